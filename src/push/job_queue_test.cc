// JobQueue against a real SQLite file in a temp dir, with MemEnv's manual clock: rows survive
// reopening, illegal moves write nothing, and the replay of a restart.
#include "push/job_queue.h"

#include <gtest/gtest.h>

#include "base/mem_env.h"
#include "support/temp_dir.h"

namespace ferry::push {
namespace {

using S = JobState;

class JobQueueTest : public ::testing::Test {
 protected:
  std::unique_ptr<JobQueue> Open() {
    Result<std::unique_ptr<JobQueue>> q = JobQueue::Open(&clock_, DbPath(), RetryPolicy{});
    EXPECT_TRUE(q.ok()) << q.status().message();
    return q.ok() ? std::move(q).value() : nullptr;
  }
  std::string DbPath() const { return tmp_.Join(kQueueFileName); }
  int64_t Now() const { return MemEnv::kClockStartUnixNanos / 1'000'000'000; }

  testing::TempDir tmp_;
  MemEnv clock_;  // only its clock is used
};

TEST_F(JobQueueTest, EnqueueCreatesAQueuedJobDueNow) {
  auto q = Open();
  Result<Job> job = q->Enqueue("/data/lab/A/P/Runs/Run_1", "A", "/srv/lab/A/P/Runs/Run_1");
  ASSERT_TRUE(job.ok()) << job.status().message();
  EXPECT_EQ(job->id, 1);
  EXPECT_EQ(job->state, S::kQueued);
  EXPECT_EQ(job->equipment_id, "A");
  EXPECT_EQ(job->nas_path, "/srv/lab/A/P/Runs/Run_1");
  EXPECT_EQ(job->enqueued_at, Now());
  EXPECT_EQ(job->attempts, 0);
  ASSERT_EQ(q->DueJobs()->size(), 1u);
}

TEST_F(JobQueueTest, EnqueueTwiceReturnsTheSameJob) {
  auto q = Open();
  ASSERT_TRUE(q->Enqueue("/r", "A", "").ok());
  ASSERT_TRUE(q->StartAttempt(1).ok());
  Result<Job> again = q->Enqueue("/r", "A", "");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id, 1);
  EXPECT_EQ(again->state, S::kRunning);  // untouched
  EXPECT_EQ(q->List()->size(), 1u);
}

TEST_F(JobQueueTest, EnqueueRearmsAFailedJob) {
  auto q = Open();
  ASSERT_TRUE(q->Enqueue("/r", "A", "").ok());
  ASSERT_TRUE(q->StartAttempt(1).ok());
  ASSERT_EQ(q->RecordFailure(1, S::kRunning, FailureKind::kAuth, "denied")->state, S::kFailed);
  Result<Job> again = q->Enqueue("/r", "A", "");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->state, S::kQueued);
  EXPECT_EQ(again->attempts, 0);
  EXPECT_EQ(again->last_error, "auth: denied");
}

TEST_F(JobQueueTest, TheWholeWayToCleanedSurvivesReopenAtEveryStep) {
  {
    auto q = Open();
    ASSERT_TRUE(q->Enqueue("/r", "A", "/nas/r").ok());
  }
  auto step = [&](auto fn, S expect) {
    auto q = Open();
    Result<Job> j = fn(*q);
    ASSERT_TRUE(j.ok()) << j.status().message();
    auto reopened = Open();  // a second connection sees the committed row
    EXPECT_EQ((*reopened->Get(1))->state, expect);
  };
  step([](JobQueue& q) { return q.StartAttempt(1); }, S::kRunning);
  step(
      [](JobQueue& q) {
        JobChange c;
        c.to = S::kAwaitingVerify;
        return q.Apply(1, S::kRunning, c);
      },
      S::kAwaitingVerify);
  step([](JobQueue& q) { return q.RecordVerifyPass(1, S::kAwaitingVerify); }, S::kVerified);
  clock_.AdvanceClock(int64_t{12} * 3600 * 1'000'000'000);
  step([](JobQueue& q) { return q.RecordVerifyPass(1, S::kVerified); }, S::kVerified);
  step(
      [](JobQueue& q) {
        JobChange c;
        c.to = S::kCleanupEligible;
        return q.Apply(1, S::kVerified, c);
      },
      S::kCleanupEligible);
  step(
      [](JobQueue& q) {
        JobChange c;
        c.to = S::kCleaned;
        return q.Apply(1, S::kCleanupEligible, c);
      },
      S::kCleaned);
  auto q = Open();
  Job job = **q->Get(1);
  EXPECT_EQ(job.verify_passes, 2);
  EXPECT_EQ(job.verified_at, Now());  // the first pass, not the second
  EXPECT_EQ(job.run_path, "/r");
  EXPECT_EQ(job.nas_path, "/nas/r");
}

TEST_F(JobQueueTest, IllegalTransitionIsRefusedAndWritesNothing) {
  auto q = Open();
  ASSERT_TRUE(q->Enqueue("/r", "A", "").ok());
  JobChange c;
  c.to = S::kCleaned;
  c.last_error = "should not be written";
  Result<Job> r = q->Apply(1, S::kQueued, c);
  EXPECT_EQ(r.status().code(), StatusCode::kRefused);
  EXPECT_EQ(r.status().message(), "job 1 is queued and cannot become cleaned");
  Job job = **q->Get(1);
  EXPECT_EQ(job.state, S::kQueued);
  EXPECT_EQ(job.last_error, "");
}

TEST_F(JobQueueTest, ChangeExpectingAStateAlreadyLeftIsRefused) {
  auto q = Open();
  ASSERT_TRUE(q->Enqueue("/r", "A", "").ok());
  ASSERT_TRUE(q->StartAttempt(1).ok());
  Result<Job> r = q->StartAttempt(1);  // a second worker picking the same job
  EXPECT_EQ(r.status().code(), StatusCode::kRefused);
  EXPECT_EQ(r.status().message(), "job 1 is running, not queued");
}

TEST_F(JobQueueTest, UnknownJobIsNotFound) {
  auto q = Open();
  EXPECT_EQ(q->Retry(42).status().message(), "no push job 42");
  EXPECT_TRUE(q->Retry(42).status().IsNotFound());
  EXPECT_FALSE(q->Get(42)->has_value());
}

TEST_F(JobQueueTest, RetryOnlyRearmsFailedJobs) {
  auto q = Open();
  ASSERT_TRUE(q->Enqueue("/r", "A", "").ok());
  EXPECT_EQ(q->Retry(1).status().message(),
            "job 1 is queued, not failed; only a failed job can be retried");
  ASSERT_TRUE(q->StartAttempt(1).ok());
  ASSERT_TRUE(q->RecordFailure(1, S::kRunning, FailureKind::kMissingBinary, "no rsync").ok());
  Result<Job> r = q->Retry(1);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->state, S::kQueued);
  EXPECT_EQ(r->attempts, 0);
}

TEST_F(JobQueueTest, BackoffMakesTheJobDueOnlyAfterItsDelay) {
  auto q = Open();
  ASSERT_TRUE(q->Enqueue("/r", "A", "").ok());
  ASSERT_TRUE(q->StartAttempt(1).ok());
  Result<Job> j = q->RecordFailure(1, S::kRunning, FailureKind::kNetwork, "refused");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->next_attempt_at, Now() + 30);
  EXPECT_TRUE(q->DueJobs()->empty());
  clock_.AdvanceClock(int64_t{29} * 1'000'000'000);
  EXPECT_TRUE(q->DueJobs()->empty());
  clock_.AdvanceClock(int64_t{1} * 1'000'000'000);
  EXPECT_EQ(q->DueJobs()->size(), 1u);
}

TEST_F(JobQueueTest, ReplayAfterRestartRequeuesRunningAndReverifiesAwaitingVerify) {
  {
    auto q = Open();
    ASSERT_TRUE(q->Enqueue("/running", "A", "").ok());
    ASSERT_TRUE(q->Enqueue("/awaiting", "A", "").ok());
    ASSERT_TRUE(q->StartAttempt(1).ok());
    ASSERT_TRUE(q->StartAttempt(2).ok());
    JobChange c;
    c.to = S::kAwaitingVerify;
    c.next_attempt_at = Now() + 3600;  // as if the worker died holding it
    ASSERT_TRUE(q->Apply(2, S::kRunning, c).ok());
  }  // the worker dies here
  auto q = Open();
  EXPECT_TRUE(q->DueJobs()->empty());  // running is never due; awaiting_verify not yet
  Result<int> touched = q->ReplayAfterRestart();
  ASSERT_TRUE(touched.ok()) << touched.status().message();
  EXPECT_EQ(*touched, 2);
  EXPECT_EQ((*q->Get(1))->state, S::kQueued);
  EXPECT_EQ((*q->Get(1))->attempts, 0);
  EXPECT_EQ((*q->Get(2))->state, S::kAwaitingVerify);
  std::vector<Job> due = *q->DueJobs();
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(WorkDue(due[0], q->NowSeconds()), DueWork::kTransfer);
  EXPECT_EQ(WorkDue(due[1], q->NowSeconds()), DueWork::kVerify);
}

TEST_F(JobQueueTest, DatabaseIsInWalMode) {
  {
    auto q = Open();
    ASSERT_TRUE(q->Enqueue("/r", "A", "").ok());
  }
  // The -wal file exists while a connection is open; journal_mode is persistent in the file.
  auto q = Open();
  ASSERT_TRUE(q->Enqueue("/s", "A", "").ok());
  FILE* f = fopen((DbPath() + "-wal").c_str(), "r");
  EXPECT_NE(f, nullptr);
  if (f != nullptr) fclose(f);
}

TEST_F(JobQueueTest, OpenInAMissingDirectorySaysWhatToCheck) {
  Result<std::unique_ptr<JobQueue>> q =
      JobQueue::Open(&clock_, tmp_.Join("nope/sync_queue.db"), RetryPolicy{});
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().message(), "push queue " + tmp_.Join("nope/sync_queue.db") +
                                      ": open: unable to open database file (check that its "
                                      "directory exists and is writable)");
}

}  // namespace
}  // namespace ferry::push
