#include "store/workspace_lock.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "base/file_util.h"
#include "base/mem_env.h"
#include "support/temp_dir.h"

namespace ferry {
namespace {

TEST(WorkspaceLockTest, ASecondLockIsBusyAndNamesTheHolder) {
  MemEnv env;
  WorkspaceLayout layout("/ws");
  Result<std::unique_ptr<FileLock>> first = LockWorkspace(&env, layout, "pull", false);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  Result<std::unique_ptr<FileLock>> second = LockWorkspace(&env, layout, "audit", false);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kBusy);
  EXPECT_EQ(second.status().message(),
            "workspace /ws is in use by pid " + std::to_string(::getpid()) +
                " (ferry pull) since 2026-01-01T00:00:00Z; wait for it or pass --wait");
  first->reset();
  EXPECT_TRUE(LockWorkspace(&env, layout, "audit", false).ok());
}

TEST(WorkspaceLockTest, OnDiskTheLockFileNamesItsHolder) {
  testing::TempDir tmp;
  Env* env = Env::Default();
  WorkspaceLayout layout(tmp.path());
  auto first = LockWorkspace(env, layout, "pull", false);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  std::string text = ReadFileToString(env, layout.lock_path(), 4096).value();
  EXPECT_EQ(text.rfind("pid " + std::to_string(::getpid()) + " (ferry pull) since ", 0), 0u)
      << text;
  // flock(2) locks belong to the open file, so a second open in this process conflicts too.
  auto second = LockWorkspace(env, layout, "pull", false);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kBusy);
  EXPECT_EQ(second.status().message().rfind("workspace " + tmp.path() + " is in use by pid ", 0),
            0u)
      << second.status().message();
  EXPECT_NE(second.status().message().find("(ferry pull) since "), std::string::npos);
  EXPECT_NE(second.status().message().find("; wait for it or pass --wait"), std::string::npos);
  first->reset();
  EXPECT_TRUE(LockWorkspace(env, layout, "pull", false).ok());
}

TEST(WorkspaceLockTest, WaitBlocksUntilTheHolderLetsGoThenTakesTheLock) {
  testing::TempDir tmp;
  Env* env = Env::Default();
  WorkspaceLayout layout(tmp.path());
  auto held = LockWorkspace(env, layout, "pull", false);
  ASSERT_TRUE(held.ok()) << held.status().ToString();

  std::atomic<long> waiter_tid{0};
  std::atomic<bool> returned{false};
  Result<std::unique_ptr<FileLock>> waited = Status::Busy("never ran");
  std::thread waiter([&] {
    waiter_tid = ::syscall(SYS_gettid);
    waited = LockWorkspace(env, layout, "audit", /*wait=*/true);
    returned = true;
  });
  // Observe (not guess) that the waiter sits in flock(2): /proc names the system call a
  // blocked thread is in. Bounded, so a broken --wait fails instead of hanging.
  bool in_flock = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!in_flock && !returned && std::chrono::steady_clock::now() < deadline) {
    if (waiter_tid != 0) {
      std::ifstream in("/proc/self/task/" + std::to_string(waiter_tid.load()) + "/syscall");
      long nr = -1;
      in >> nr;
      in_flock = nr == SYS_flock;
    }
    if (!in_flock) std::this_thread::yield();
  }
  EXPECT_TRUE(in_flock);
  EXPECT_FALSE(returned) << "--wait returned while the workspace was still locked";

  held->reset();  // the holder finishes
  waiter.join();
  ASSERT_TRUE(waited.ok()) << waited.status().ToString();
  std::string text = ReadFileToString(env, layout.lock_path(), 4096).value();
  EXPECT_NE(text.find("(ferry audit)"), std::string::npos) << text;
}

TEST(WorkspaceLockTest, HolderText) {
  EXPECT_EQ(WorkspaceLockHolder(4242, "pull", MemEnv::kClockStartUnixNanos + 61'500'000'000),
            "pid 4242 (ferry pull) since 2026-01-01T00:01:01Z");
}

}  // namespace
}  // namespace ferry
