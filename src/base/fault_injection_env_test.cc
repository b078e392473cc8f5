#include "base/fault_injection_env.h"

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/mem_env.h"

namespace ferry {
namespace {

class FaultInjectionEnvTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(mem_.CreateDir("/w", 0755).ok()); }
  MemEnv mem_;
  FaultInjectionEnv env_{&mem_};
};

TEST_F(FaultInjectionEnvTest, FailNthAppendReportsNoSpaceOnce) {
  env_.FailNth(FaultOp::kAppend, 2, StatusCode::kNoSpace);
  auto f = env_.NewWritableFile("/w/p", 0644);
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE((*f)->Append("one").ok());
  Status s = (*f)->Append("two");
  EXPECT_EQ(s.code(), StatusCode::kNoSpace);
  EXPECT_EQ(s.message(), "write /w/p: No space left on device (injected)");
  EXPECT_TRUE((*f)->Append("three").ok());
  EXPECT_TRUE((*f)->Close().ok());
  EXPECT_EQ(*ReadFileToString(&mem_, "/w/p", 100), "onethree");
}

TEST_F(FaultInjectionEnvTest, SetFreeSpaceOverridesTheTargetsFigureUntilCleared) {
  mem_.SetFreeSpace(1000);
  EXPECT_EQ(*env_.FreeSpace("/w"), 1000u);
  env_.SetFreeSpace(7);
  EXPECT_EQ(*env_.FreeSpace("/w"), 7u);
  EXPECT_EQ(env_.FreeSpace("/missing").status().code(), StatusCode::kNotFound);
  env_.ClearFreeSpace();
  EXPECT_EQ(*env_.FreeSpace("/w"), 1000u);
  env_.SetFreeSpace(7);
  env_.Reset();
  EXPECT_EQ(*env_.FreeSpace("/w"), 1000u);
  EXPECT_EQ(env_.steps(), 0) << "not a step";
}

TEST_F(FaultInjectionEnvTest, FailAlwaysFailsEveryCallWithIoError) {
  env_.FailAlways(FaultOp::kRename, StatusCode::kIoError);
  ASSERT_TRUE(WriteFileAtomically(&mem_, "/w/a", "a").ok());
  for (int i = 0; i < 3; ++i) {
    Status s = env_.Rename("/w/a", "/w/b");
    EXPECT_EQ(s.code(), StatusCode::kIoError);
    EXPECT_EQ(s.message(), "rename /w/a -> /w/b: Input/output error (injected)");
  }
  EXPECT_TRUE(mem_.Stat("/w/a").ok());
  EXPECT_EQ(env_.steps(), 0);
  env_.Reset();
  EXPECT_TRUE(env_.Rename("/w/a", "/w/b").ok());
}

TEST_F(FaultInjectionEnvTest, CrashAfterStepsStopsExactlyAtTheNextStep) {
  env_.CrashAfterSteps(2);
  EXPECT_TRUE(env_.CreateDir("/w/d", 0755).ok());
  auto f = env_.NewWritableFile("/w/d/f", 0644);
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(env_.crashed());
  Status s = (*f)->Append("data");
  EXPECT_EQ(s.code(), StatusCode::kCancelled);
  EXPECT_EQ(s.message(), "injected crash before write /w/d/f");
  EXPECT_TRUE(env_.crashed());
  // Everything mutating after the crash fails too; reads keep working.
  EXPECT_EQ(env_.RemoveFile("/w/d/f").message(), "injected crash before unlink /w/d/f");
  EXPECT_EQ(env_.CreateDir("/w/e", 0755).code(), StatusCode::kCancelled);
  EXPECT_EQ((*f)->Close().code(), StatusCode::kCancelled);
  EXPECT_TRUE(env_.Stat("/w/d/f").ok());
  EXPECT_EQ(env_.ListDir("/w/d")->size(), 1u);
  EXPECT_TRUE(env_.NewSequentialFile("/w/d/f").ok());
  EXPECT_EQ(env_.steps(), 2);
  EXPECT_EQ(env_.log(), (std::vector<std::string>{"mkdir /w/d", "open /w/d/f"}));
  EXPECT_EQ(mem_.Stat("/w/e").status().code(), StatusCode::kNotFound);
}

TEST_F(FaultInjectionEnvTest, CrashAfterZeroStepsRefusesTheFirstStep) {
  env_.CrashAfterSteps(0);
  EXPECT_EQ(env_.NewWritableFile("/w/f", 0644).status().message(),
            "injected crash before open /w/f");
  EXPECT_EQ(env_.steps(), 0);
  EXPECT_EQ(mem_.Stat("/w/f").status().code(), StatusCode::kNotFound);
}

TEST_F(FaultInjectionEnvTest, StepsCountEveryMutatingOperationAndNoRead) {
  auto f = env_.NewWritableFile("/w/f", 0644);         // 1
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->Append("abc").ok());               // 2
  ASSERT_TRUE((*f)->Sync().ok());                      // 3
  ASSERT_TRUE((*f)->Close().ok());                     // 4
  auto a = env_.NewAppendableFile("/w/f", 0644);       // 5
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(env_.Chmod("/w/f", 0600).ok());          // 6
  ASSERT_TRUE(env_.Truncate("/w/f", 1).ok());          // 7
  ASSERT_TRUE(env_.CreateDir("/w/d", 0755).ok());      // 8
  ASSERT_TRUE(env_.SyncDir("/w/d").ok());              // 9
  ASSERT_TRUE(env_.Symlink("f", "/w/l").ok());         // 10
  ASSERT_TRUE(env_.HardLink("/w/f", "/w/h").ok());     // 11
  ASSERT_TRUE(env_.Reflink("/w/f", "/w/r").ok());      // 12
  ASSERT_TRUE(env_.Rename("/w/r", "/w/r2").ok());      // 13
  ASSERT_TRUE(env_.RemoveFile("/w/r2").ok());          // 14
  ASSERT_TRUE(env_.RemoveDir("/w/d").ok());            // 15
  // Reads, locks and clocks are not steps.
  ASSERT_TRUE(env_.Stat("/w/f").ok());
  ASSERT_TRUE(env_.LinkStat("/w/l").ok());
  ASSERT_TRUE(env_.ReadLink("/w/l").ok());
  ASSERT_TRUE(env_.ListDir("/w").ok());
  ASSERT_TRUE(env_.NewSequentialFile("/w/f").ok());
  ASSERT_TRUE(env_.LockFile("/w/lock", "me", false).ok());
  env_.SleepForMicros(1);
  EXPECT_EQ(env_.steps(), 15);
  EXPECT_EQ(env_.log(), (std::vector<std::string>{
                            "open /w/f", "write /w/f", "fsync /w/f", "close /w/f", "open /w/f",
                            "chmod /w/f", "truncate /w/f", "mkdir /w/d", "fsync /w/d",
                            "symlink /w/l -> f", "link /w/f -> /w/h", "reflink /w/f -> /w/r",
                            "rename /w/r -> /w/r2", "unlink /w/r2", "rmdir /w/d"}));
}

TEST_F(FaultInjectionEnvTest, FailNthCountsCallsOfOneKindOnly) {
  env_.FailNth(FaultOp::kCreateDir, 3, StatusCode::kPermissionDenied);
  EXPECT_TRUE(env_.CreateDir("/w/1", 0755).ok());
  ASSERT_TRUE(WriteFileAtomically(&env_, "/w/x", "x").ok());  // other kinds do not count
  EXPECT_TRUE(env_.CreateDir("/w/2", 0755).ok());
  Status s = env_.CreateDir("/w/3", 0755);
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(), "mkdir /w/3: Permission denied (injected)");
  EXPECT_TRUE(env_.CreateDir("/w/3", 0755).ok());
}

TEST_F(FaultInjectionEnvTest, CountsStepsFromManyThreadsExactly) {
  constexpr int kThreads = 4;
  constexpr int kWritesPerThread = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kWritesPerThread; ++i) {
        std::string path = "/w/t" + std::to_string(t) + "-" + std::to_string(i);
        EXPECT_TRUE(WriteFileAtomically(&env_, path, path).ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(env_.steps(), kThreads * kWritesPerThread * 6);
  EXPECT_EQ(env_.log().size(), static_cast<size_t>(kThreads * kWritesPerThread * 6));
  EXPECT_EQ(mem_.ListDir("/w")->size(), static_cast<size_t>(kThreads * kWritesPerThread));
  EXPECT_EQ(*ReadFileToString(&mem_, "/w/t3-49", 100), "/w/t3-49");
}

}  // namespace
}  // namespace ferry
