// Deleting a run's local copy on MemEnv: only verified files go, the cache dir stays with
// retain_cache, and a deletion that fails part way (FaultInjectionEnv) leaves the job
// cleanup_eligible with the error, never cleaned.
#include "push/run_cleanup.h"

#include <gtest/gtest.h>

#include "base/fault_injection_env.h"
#include "base/file_util.h"
#include "base/mem_env.h"
#include "support/temp_dir.h"

namespace ferry::push {
namespace {

JobChange To(JobState state) {
  JobChange change;
  change.to = state;
  return change;
}

class RunCleanupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Write("a.tif", "pixels");
    Write("sub/deeper/b.csv", "1,2,3");
    Write(".ferry/creation.json", "{}");
    Write(".ferry/checksums.sha256", "manifest");
    files_ = {{"a.tif", 6}, {"sub/deeper/b.csv", 5}};
  }
  void Write(const std::string& rel, const std::string& data) {
    const std::string path = run_ + "/" + rel;
    ASSERT_TRUE(CreateDirs(&env_, path.substr(0, path.rfind('/'))).ok());
    ASSERT_TRUE(WriteFileAtomically(&env_, path, data).ok());
  }
  bool Exists(const std::string& rel) {
    return *PathExists(&env_, rel.empty() ? run_ : run_ + "/" + rel);
  }
  // A job of this run in the queue, moved to cleanup_eligible the legal way.
  Job EligibleJob(JobQueue* q) {
    Job job = *q->Enqueue(run_, "EQ", "/srv/lab/EQ/P/Runs/Run_1");
    EXPECT_TRUE(q->StartAttempt(job.id).ok());
    EXPECT_TRUE(q->Apply(job.id, JobState::kRunning, To(JobState::kAwaitingVerify)).ok());
    EXPECT_TRUE(q->RecordVerifyPass(job.id, JobState::kAwaitingVerify).ok());
    Result<Job> j = q->Apply(job.id, JobState::kVerified, To(JobState::kCleanupEligible));
    EXPECT_TRUE(j.ok()) << j.status().message();
    return *j;
  }
  std::unique_ptr<JobQueue> OpenQueue() {
    return std::move(JobQueue::Open(&env_, tmp_.Join(kQueueFileName), RetryPolicy{})).value();
  }

  MemEnv env_;
  testing::TempDir tmp_;  // the queue's SQLite file
  const std::string run_ = "/data/lab/EQ/P/Runs/Run_1";
  std::vector<RunFile> files_;
};

TEST_F(RunCleanupTest, RetainCacheDeletesTheFilesAndKeepsTheCacheDir) {
  ASSERT_TRUE(DeleteVerifiedRunFiles(&env_, run_, files_, {".ferry", true}).ok());
  EXPECT_FALSE(Exists("a.tif"));
  EXPECT_FALSE(Exists("sub"));  // emptied directories go
  EXPECT_TRUE(Exists(".ferry/creation.json"));
  EXPECT_TRUE(Exists(".ferry/checksums.sha256"));
  EXPECT_EQ(env_.ListDir(run_)->size(), 1u);  // .ferry only
}

TEST_F(RunCleanupTest, WithoutRetainCacheTheRunDirGoes) {
  ASSERT_TRUE(DeleteVerifiedRunFiles(&env_, run_, files_, {".ferry", false}).ok());
  EXPECT_FALSE(Exists(""));
  EXPECT_TRUE(*PathExists(&env_, "/data/lab/EQ/P/Runs"));  // nothing above the run
}

TEST_F(RunCleanupTest, AFileWrittenAfterTheVerificationStays) {
  Write("late.tif", "not on the NAS");
  Status s = DeleteVerifiedRunFiles(&env_, run_, files_, {".ferry", false});
  EXPECT_EQ(s.code(), StatusCode::kRefused);
  EXPECT_EQ(s.message(), run_ +
                             "/late.tif: not in the verified NAS listing (written after the "
                             "verification?); left in place, the run will be verified again");
  EXPECT_TRUE(Exists("late.tif"));
  EXPECT_TRUE(Exists(".ferry/creation.json"));  // nothing else removed after the refusal
}

TEST_F(RunCleanupTest, FinishingAnInterruptedCleanupIsNotAnError) {
  ASSERT_TRUE(env_.RemoveFile(run_ + "/a.tif").ok());
  EXPECT_TRUE(DeleteVerifiedRunFiles(&env_, run_, files_, {".ferry", true}).ok());
  EXPECT_FALSE(Exists("sub"));
}

TEST_F(RunCleanupTest, CleanUpJobMarksTheJobCleaned) {
  auto q = OpenQueue();
  Job job = EligibleJob(q.get());
  Result<Job> done = CleanUpJob(q.get(), &env_, job, files_, {".ferry", true});
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_EQ(done->state, JobState::kCleaned);
  EXPECT_EQ(done->last_error, "");
  EXPECT_FALSE(Exists("a.tif"));
}

TEST_F(RunCleanupTest, ADeletionFailingPartWayLeavesTheJobCleanupEligibleWithTheError) {
  auto q = OpenQueue();
  Job job = EligibleJob(q.get());
  FaultInjectionEnv faulty(&env_);
  faulty.FailNth(FaultOp::kRemove, 2, StatusCode::kIoError);  // a.tif goes, b.csv does not
  Result<Job> after = CleanUpJob(q.get(), &faulty, job, files_, {".ferry", true});
  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(after->state, JobState::kCleanupEligible);
  EXPECT_EQ(after->last_error,
            "cleanup: unlink " + run_ + "/sub/deeper/b.csv: " + "Input/output error (injected)");
  EXPECT_EQ(q->Get(job.id)->value().state, JobState::kCleanupEligible);  // as stored
  EXPECT_FALSE(Exists("a.tif"));
  EXPECT_TRUE(Exists("sub/deeper/b.csv"));

  // The next attempt finishes the job.
  Result<Job> again = CleanUpJob(q.get(), &env_, *after, files_, {".ferry", true});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->state, JobState::kCleaned);
}

TEST_F(RunCleanupTest, ARefusedDeletionIsNeverCleaned) {
  auto q = OpenQueue();
  Job job = EligibleJob(q.get());
  Write("late.tif", "x");
  Result<Job> after = CleanUpJob(q.get(), &env_, job, files_, {".ferry", true});
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->state, JobState::kCleanupEligible);
  EXPECT_TRUE(after->last_error.starts_with("cleanup: " + run_ + "/late.tif: not in the"));
}

TEST_F(RunCleanupTest, AJobNotCleanupEligibleIsRefused) {
  auto q = OpenQueue();
  Job job = *q->Enqueue(run_, "EQ", "/srv/lab/EQ/P/Runs/Run_1");
  Result<Job> r = CleanUpJob(q.get(), &env_, job, files_, {".ferry", true});
  EXPECT_EQ(r.status().code(), StatusCode::kRefused);
  EXPECT_EQ(r.status().message(), "job 1 is queued, not cleanup_eligible; nothing deleted");
  EXPECT_TRUE(Exists("a.tif"));
}

}  // namespace
}  // namespace ferry::push
