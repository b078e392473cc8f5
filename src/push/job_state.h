// The push job and the pure rules that move it: its states, the transition table, the backoff
// table, what a failure does, what a restart replays and what work is due. No I/O: JobQueue
// (job_queue.h) stores jobs and applies these rules inside its transactions, so every rule is
// tested here without a database or a clock.
//
// States (the seed product's names) and the legal transitions (docs/PUSH.md has the diagram):
//   queued           -> running, failed
//   running          -> awaiting_verify, queued, failed
//   awaiting_verify  -> verified, queued, failed
//   verified         -> cleanup_eligible, queued, failed
//   cleanup_eligible -> cleaned, queued, failed
//   failed           -> queued            (an operator's retry, or re-enqueueing the run)
//   cleaned          -> (final)
// Anything else is refused. Staying in a state while other fields change (a new
// next_attempt_at, one more verify pass) is an update, not a transition, and always allowed.
//
// Times are Unix seconds; 0 means "never" / "unset".
//
// Thread-safety: plain values and pure functions.
#ifndef FERRY_PUSH_JOB_STATE_H_
#define FERRY_PUSH_JOB_STATE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/status.h"
#include "push/failure_kind.h"

namespace ferry::push {

enum class JobState {
  kQueued,
  kRunning,
  kAwaitingVerify,
  kVerified,
  kCleanupEligible,
  kCleaned,
  kFailed,
};

inline constexpr JobState kAllJobStates[] = {
    JobState::kQueued,          JobState::kRunning, JobState::kAwaitingVerify, JobState::kVerified,
    JobState::kCleanupEligible, JobState::kCleaned, JobState::kFailed};

// "queued", "running", "awaiting_verify", "verified", "cleanup_eligible", "cleaned", "failed".
std::string_view JobStateName(JobState state);
// The inverse of JobStateName; nullopt for anything else.
std::optional<JobState> ParseJobState(std::string_view name);

// One row of the jobs table (the seed product's columns, plus hash_mismatches).
struct Job {
  int64_t id = 0;
  std::string run_path;  // absolute, unique
  std::string equipment_id;
  JobState state = JobState::kQueued;
  int attempts = 0;  // failed attempts since the last (re)arm
  int64_t last_attempt_at = 0;
  int64_t next_attempt_at = 0;  // not before this time; 0 = at once
  std::string last_error;       // "<failure kind>: <message>", empty when none
  int verify_passes = 0;
  int64_t verified_at = 0;  // the FIRST successful verification (cleanup's min_age counts from it)
  int64_t enqueued_at = 0;
  std::string nas_path;
  int hash_mismatches = 0;  // since the last (re)arm: the second one is terminal
};

// What a rule wants changed on a job; unset fields stay as they are.
struct JobChange {
  JobState to = JobState::kQueued;
  std::optional<int> attempts;
  std::optional<int64_t> last_attempt_at;
  std::optional<int64_t> next_attempt_at;
  std::optional<std::string> last_error;
  std::optional<int> verify_passes;
  std::optional<int64_t> verified_at;
  std::optional<int> hash_mismatches;
};

// `job` with `change` applied.
Job ApplyChange(Job job, const JobChange& change);

bool IsLegalTransition(JobState from, JobState to);

// OK for a legal transition or a same-state update; otherwise kRefused:
// "job 7 is cleaned and cannot become queued".
Status CheckTransition(int64_t job_id, JobState from, JobState to);

// Backoff before the retry that follows the n-th failed attempt (n >= 1): 30 s, 2 min, 8 min,
// 30 min, then 2 h for every later one.
int64_t BackoffSeconds(int failed_attempts);

struct RetryPolicy {
  int max_attempts = 5;                  // failed attempts before a retryable failure is terminal
  int64_t reverify_seconds = 12 * 3600;  // between verify passes of a verified run
};

// What a failed attempt (push or verify) of `job` does:
// - auth, local file vanished, missing binary, local io, fatal: failed at once;
// - hash mismatch: queued for an immediate retry the first time, failed the second;
// - network, other: queued after BackoffSeconds(attempts), failed once attempts reach
//   policy.max_attempts.
// attempts counts every failure; last_error is "<kind>: <message>".
JobChange PlanFailure(const Job& job, FailureKind kind, std::string_view message,
                      const RetryPolicy& policy, int64_t now);

// A successful verify pass: awaiting_verify becomes verified (verified_at = now, the first
// pass); a verified or cleanup_eligible job counts one more pass. The next pass is due
// reverify_seconds later.
JobChange PlanVerifyPass(const Job& job, const RetryPolicy& policy, int64_t now);

// An operator's retry (or a re-enqueue) of a failed job: queued, due now, attempts and
// hash_mismatches reset, last_error kept for the record.
JobChange PlanRetry();

// What a worker starting up does with the jobs a previous worker left: a `running` job was
// interrupted mid-transfer and is queued again at once (not counted as a failed attempt: the
// transfer resumes from its partial files); `awaiting_verify` is verified again at once (the
// seed product strands these forever); `verified` and `cleanup_eligible` are re-evaluated at
// once (a verify pass and the cleanup interlocks). Returns (job id, change) pairs.
std::vector<std::pair<int64_t, JobChange>> PlanReplay(const std::vector<Job>& jobs, int64_t now);

// The work a job asks for at `now`.
enum class DueWork {
  kNone,
  kTransfer,    // queued: push the run
  kVerify,      // awaiting_verify: the first verify pass
  kReevaluate,  // verified / cleanup_eligible: one more verify pass, then the interlocks
};
DueWork WorkDue(const Job& job, int64_t now);

}  // namespace ferry::push

#endif  // FERRY_PUSH_JOB_STATE_H_
