// The pure job rules: every transition (legal and refused), the backoff table, what each
// failure kind does, verify passes, retry and the restart replay.
#include "push/job_state.h"

#include <gtest/gtest.h>

#include <set>
#include <utility>

namespace ferry::push {
namespace {

using S = JobState;
constexpr int64_t kNow = 1'800'000'000;

Job JobIn(JobState state) {
  Job j;
  j.id = 7;
  j.run_path = "/data/lab/CONFOCAL_01/P1/Runs/Run_2026-01-01";
  j.equipment_id = "CONFOCAL_01";
  j.state = state;
  return j;
}

TEST(JobStateTest, TransitionTableIsExactlyTheDocumentedOne) {
  const std::set<std::pair<S, S>> legal = {
      {S::kQueued, S::kRunning},
      {S::kQueued, S::kFailed},
      {S::kRunning, S::kAwaitingVerify},
      {S::kRunning, S::kQueued},
      {S::kRunning, S::kFailed},
      {S::kAwaitingVerify, S::kVerified},
      {S::kAwaitingVerify, S::kQueued},
      {S::kAwaitingVerify, S::kFailed},
      {S::kVerified, S::kCleanupEligible},
      {S::kVerified, S::kQueued},
      {S::kVerified, S::kFailed},
      {S::kCleanupEligible, S::kCleaned},
      {S::kCleanupEligible, S::kQueued},
      {S::kCleanupEligible, S::kFailed},
      {S::kFailed, S::kQueued},
  };
  for (S from : kAllJobStates) {
    for (S to : kAllJobStates) {
      EXPECT_EQ(IsLegalTransition(from, to), legal.count({from, to}) == 1)
          << JobStateName(from) << " -> " << JobStateName(to);
    }
  }
}

TEST(JobStateTest, IllegalTransitionIsRefusedWithAMessage) {
  Status s = CheckTransition(7, S::kCleaned, S::kQueued);
  EXPECT_EQ(s.code(), StatusCode::kRefused);
  EXPECT_EQ(s.message(), "job 7 is cleaned and cannot become queued");
  EXPECT_EQ(CheckTransition(7, S::kQueued, S::kVerified).message(),
            "job 7 is queued and cannot become verified");
  // Skipping verification on the way to cleanup is the one that matters most.
  EXPECT_FALSE(CheckTransition(7, S::kAwaitingVerify, S::kCleaned).ok());
  EXPECT_FALSE(CheckTransition(7, S::kVerified, S::kCleaned).ok());
}

TEST(JobStateTest, SameStateUpdateIsAllowed) {
  for (S s : kAllJobStates) EXPECT_TRUE(CheckTransition(1, s, s).ok()) << JobStateName(s);
}

TEST(JobStateTest, StateNamesRoundTrip) {
  for (S s : kAllJobStates) EXPECT_EQ(ParseJobState(JobStateName(s)), s);
  EXPECT_EQ(ParseJobState("blocked"), std::nullopt);
  EXPECT_EQ(JobStateName(S::kAwaitingVerify), "awaiting_verify");
  EXPECT_EQ(JobStateName(S::kCleanupEligible), "cleanup_eligible");
}

TEST(JobStateTest, BackoffTable) {
  EXPECT_EQ(BackoffSeconds(1), 30);
  EXPECT_EQ(BackoffSeconds(2), 120);
  EXPECT_EQ(BackoffSeconds(3), 480);
  EXPECT_EQ(BackoffSeconds(4), 1800);
  EXPECT_EQ(BackoffSeconds(5), 7200);
  EXPECT_EQ(BackoffSeconds(9), 7200);
}

TEST(JobStateTest, NetworkFailureBacksOffThenIsTerminalAtMaxAttempts) {
  RetryPolicy policy;  // 5 attempts
  Job job = JobIn(S::kRunning);
  const int64_t expected_delay[] = {30, 120, 480, 1800};
  for (int attempt = 1; attempt <= 4; ++attempt) {
    JobChange c = PlanFailure(job, FailureKind::kNetwork, "connection refused", policy, kNow);
    EXPECT_EQ(c.to, S::kQueued) << attempt;
    EXPECT_EQ(c.attempts, attempt);
    EXPECT_EQ(c.next_attempt_at, kNow + expected_delay[attempt - 1]);
    EXPECT_EQ(c.last_error, "network: connection refused");
    job = ApplyChange(job, c);
    job.state = S::kRunning;  // the next attempt starts
  }
  JobChange last = PlanFailure(job, FailureKind::kNetwork, "connection refused", policy, kNow);
  EXPECT_EQ(last.to, S::kFailed);
  EXPECT_EQ(last.attempts, 5);
}

TEST(JobStateTest, ConfiguredAttemptsAreHonoured) {
  RetryPolicy policy;
  policy.max_attempts = 1;
  EXPECT_EQ(PlanFailure(JobIn(S::kRunning), FailureKind::kOther, "x", policy, kNow).to, S::kFailed);
}

TEST(JobStateTest, TerminalKindsFailAtOnce) {
  for (FailureKind kind :
       {FailureKind::kAuth, FailureKind::kLocalFileVanished, FailureKind::kMissingBinary,
        FailureKind::kLocalIo, FailureKind::kFatal}) {
    JobChange c = PlanFailure(JobIn(S::kRunning), kind, "m", RetryPolicy{}, kNow);
    EXPECT_EQ(c.to, S::kFailed) << FailureKindName(kind);
    EXPECT_EQ(c.attempts, 1);
  }
  EXPECT_EQ(PlanFailure(JobIn(S::kRunning), FailureKind::kAuth,
                        "root@nas: Permission denied (publickey).", RetryPolicy{}, kNow)
                .last_error,
            "auth: root@nas: Permission denied (publickey).");
}

TEST(JobStateTest, HashMismatchRetriesOnceAtOnceThenIsTerminal) {
  Job job = JobIn(S::kAwaitingVerify);
  JobChange first =
      PlanFailure(job, FailureKind::kHashMismatch, "a.tif differs", RetryPolicy{}, kNow);
  EXPECT_EQ(first.to, S::kQueued);
  EXPECT_EQ(first.next_attempt_at, kNow);
  EXPECT_EQ(first.hash_mismatches, 1);
  job = ApplyChange(job, first);
  // A network failure in between does not reset the count (the seed product's would).
  job.state = S::kRunning;
  job = ApplyChange(job, PlanFailure(job, FailureKind::kNetwork, "timeout", RetryPolicy{}, kNow));
  job.state = S::kAwaitingVerify;
  JobChange second =
      PlanFailure(job, FailureKind::kHashMismatch, "a.tif differs", RetryPolicy{}, kNow);
  EXPECT_EQ(second.to, S::kFailed);
  EXPECT_EQ(second.last_error, "hash mismatch: a.tif differs");
}

TEST(JobStateTest, FirstVerifyPassVerifiesAndStampsTheTime) {
  RetryPolicy policy;
  JobChange c = PlanVerifyPass(JobIn(S::kAwaitingVerify), policy, kNow);
  EXPECT_EQ(c.to, S::kVerified);
  EXPECT_EQ(c.verify_passes, 1);
  EXPECT_EQ(c.verified_at, kNow);
  EXPECT_EQ(c.next_attempt_at, kNow + 12 * 3600);
}

TEST(JobStateTest, LaterVerifyPassKeepsTheFirstTime) {
  Job job = JobIn(S::kVerified);
  job.verify_passes = 1;
  job.verified_at = kNow - 100;
  JobChange c = PlanVerifyPass(job, RetryPolicy{}, kNow);
  EXPECT_EQ(c.to, S::kVerified);
  EXPECT_EQ(c.verify_passes, 2);
  EXPECT_EQ(c.verified_at, std::nullopt);
}

TEST(JobStateTest, RetryRearmsAFailedJob) {
  JobChange c = PlanRetry();
  EXPECT_EQ(c.to, S::kQueued);
  EXPECT_EQ(c.attempts, 0);
  EXPECT_EQ(c.hash_mismatches, 0);
  EXPECT_EQ(c.next_attempt_at, 0);
  EXPECT_EQ(c.last_error, std::nullopt);  // kept for the record
}

TEST(JobStateTest, ReplayRequeuesRunningAndMakesVerifyAndInterlocksDue) {
  std::vector<Job> jobs;
  int64_t id = 1;
  for (S s : kAllJobStates) {
    Job j = JobIn(s);
    j.id = id++;
    j.next_attempt_at = kNow + 999;
    jobs.push_back(j);
  }
  auto plan = PlanReplay(jobs, kNow);
  ASSERT_EQ(plan.size(), 4u);
  // running -> queued
  EXPECT_EQ(plan[0].first, 2);
  EXPECT_EQ(plan[0].second.to, S::kQueued);
  EXPECT_EQ(plan[0].second.next_attempt_at, kNow);
  EXPECT_EQ(plan[0].second.attempts, std::nullopt);  // an interruption is not a failed attempt
  // awaiting_verify, verified, cleanup_eligible: stay, due now
  const S stays[] = {S::kAwaitingVerify, S::kVerified, S::kCleanupEligible};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(plan[i + 1].second.to, stays[i]);
    EXPECT_EQ(plan[i + 1].second.next_attempt_at, kNow);
  }
}

TEST(JobStateTest, WorkDueByStateAndTime) {
  Job j = JobIn(S::kQueued);
  j.next_attempt_at = kNow + 1;
  EXPECT_EQ(WorkDue(j, kNow), DueWork::kNone);
  EXPECT_EQ(WorkDue(j, kNow + 1), DueWork::kTransfer);
  j.state = S::kAwaitingVerify;
  EXPECT_EQ(WorkDue(j, kNow + 1), DueWork::kVerify);
  j.state = S::kVerified;
  EXPECT_EQ(WorkDue(j, kNow + 1), DueWork::kReevaluate);
  j.state = S::kCleanupEligible;
  EXPECT_EQ(WorkDue(j, kNow + 1), DueWork::kReevaluate);
  for (S s : {S::kRunning, S::kCleaned, S::kFailed}) {
    j.state = s;
    EXPECT_EQ(WorkDue(j, kNow + 1), DueWork::kNone) << JobStateName(s);
  }
}

}  // namespace
}  // namespace ferry::push
