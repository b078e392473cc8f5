// sync_status in creation.json on MemEnv: unknown fields and their order survive, a broken
// file is left alone, and the write is atomic: a crash at any step, with everything unsynced
// lost, leaves the old file or the new one.
#include "push/creation_status.h"

#include <gtest/gtest.h>

#include "base/fault_injection_env.h"
#include "base/file_util.h"
#include "base/mem_env.h"

namespace ferry::push {
namespace {

class CreationStatusTest : public ::testing::Test {
 protected:
  void WriteCreation(const std::string& text) {
    ASSERT_TRUE(CreateDirs(&env_, run_ + "/.ferry").ok());
    ASSERT_TRUE(WriteFileAtomically(&env_, path_, text).ok());
  }
  std::string ReadCreation(Env* env) {
    Result<std::string> r = ReadFileToString(env, path_, 1 << 20);
    return r.ok() ? *r : "<" + r.status().message() + ">";
  }

  MemEnv env_;
  const std::string run_ = "/data/lab/EQ/P/Runs/Run_1";
  const std::string path_ = run_ + "/.ferry/creation.json";
  // What the acquisition software wrote, with fields ferry knows nothing about.
  const std::string original_ =
      R"({"zeta": 1, "operator": "alice", "validation_overrides": [], )"
      R"("sync_status": "pending", "instrument": {"serial": "X-9", "extra": [1, 2]}})";
  const std::string updated_ = R"({
  "zeta": 1,
  "operator": "alice",
  "validation_overrides": [],
  "sync_status": "blocked_by_validation",
  "instrument": {
    "serial": "X-9",
    "extra": [
      1,
      2
    ]
  }
}
)";
};

TEST_F(CreationStatusTest, UnknownFieldsAndTheirOrderSurvive) {
  WriteCreation(original_);
  ASSERT_TRUE(SetRunSyncStatus(&env_, run_, ".ferry", kBlockedByValidation).ok());
  EXPECT_EQ(ReadCreation(&env_), updated_);
}

TEST_F(CreationStatusTest, AMissingFileIsCreatedWithTheStatusOnly) {
  ASSERT_TRUE(CreateDirs(&env_, run_).ok());
  ASSERT_TRUE(SetRunSyncStatus(&env_, run_, ".ferry", kBlockedByValidation).ok());
  EXPECT_EQ(ReadCreation(&env_), "{\n  \"sync_status\": \"blocked_by_validation\"\n}\n");
}

TEST_F(CreationStatusTest, AFileThatIsNotAJsonObjectIsLeftAlone) {
  WriteCreation("{\"operator\": \"alice\",");  // truncated by someone else's crash
  Status s = SetRunSyncStatus(&env_, run_, ".ferry", kBlockedByValidation);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), path_ +
                             ": not a JSON object; sync_status not written (fix or remove the "
                             "file, then enqueue the run again)");
  EXPECT_EQ(ReadCreation(&env_), "{\"operator\": \"alice\",");
}

TEST_F(CreationStatusTest, DurableWhenItReturns) {
  WriteCreation(original_);
  env_.MarkAllDurable();
  ASSERT_TRUE(SetRunSyncStatus(&env_, run_, ".ferry", kBlockedByValidation).ok());
  env_.SimulateCrash(MemEnv::CrashOutcome::kLoseUnsynced);
  EXPECT_EQ(ReadCreation(&env_), updated_);
}

TEST_F(CreationStatusTest, ACrashAtAnyStepLeavesTheOldFileOrTheNewOne) {
  int64_t steps = 0;
  {
    MemEnv probe;
    ASSERT_TRUE(CreateDirs(&probe, run_ + "/.ferry").ok());
    ASSERT_TRUE(WriteFileAtomically(&probe, path_, original_).ok());
    FaultInjectionEnv counting(&probe);
    ASSERT_TRUE(SetRunSyncStatus(&counting, run_, ".ferry", kBlockedByValidation).ok());
    steps = counting.steps();
  }
  ASSERT_GT(steps, 0);
  for (int64_t k = 0; k <= steps; ++k) {
    SCOPED_TRACE("crash after step " + std::to_string(k));
    MemEnv mem;
    ASSERT_TRUE(CreateDirs(&mem, run_ + "/.ferry").ok());
    ASSERT_TRUE(WriteFileAtomically(&mem, path_, original_).ok());
    mem.MarkAllDurable();
    FaultInjectionEnv faulty(&mem);
    faulty.CrashAfterSteps(k);
    Status s = SetRunSyncStatus(&faulty, run_, ".ferry", kBlockedByValidation);
    EXPECT_EQ(s.ok(), k == steps);
    mem.SimulateCrash(MemEnv::CrashOutcome::kLoseUnsynced);
    const std::string after = ReadCreation(&mem);
    EXPECT_TRUE(after == original_ || after == updated_) << after;
    if (k == steps) {
      EXPECT_EQ(after, updated_);
    }
    // The directory holds no torn file under the real name and nothing but temps besides.
    Result<std::vector<DirEntry>> entries = mem.ListDir(run_ + "/.ferry");
    ASSERT_TRUE(entries.ok());
    for (const DirEntry& e : *entries) {
      EXPECT_TRUE(e.name == "creation.json" || e.name == "creation.json.lock" || IsTempName(e.name))
          << e.name;
    }
  }
}

}  // namespace
}  // namespace ferry::push
