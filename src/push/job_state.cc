#include "push/job_state.h"

#include <algorithm>

namespace ferry::push {

std::string_view FailureKindName(FailureKind kind) {
  switch (kind) {
    case FailureKind::kAuth:
      return "auth";
    case FailureKind::kNetwork:
      return "network";
    case FailureKind::kHashMismatch:
      return "hash mismatch";
    case FailureKind::kLocalFileVanished:
      return "local file vanished";
    case FailureKind::kMissingBinary:
      return "missing binary";
    case FailureKind::kLocalIo:
      return "local io";
    case FailureKind::kFatal:
      return "fatal";
    case FailureKind::kOther:
      return "other";
  }
  return "other";
}

std::string_view JobStateName(JobState state) {
  switch (state) {
    case JobState::kQueued:
      return "queued";
    case JobState::kRunning:
      return "running";
    case JobState::kAwaitingVerify:
      return "awaiting_verify";
    case JobState::kVerified:
      return "verified";
    case JobState::kCleanupEligible:
      return "cleanup_eligible";
    case JobState::kCleaned:
      return "cleaned";
    case JobState::kFailed:
      return "failed";
  }
  return "?";
}

std::optional<JobState> ParseJobState(std::string_view name) {
  for (JobState s : kAllJobStates) {
    if (JobStateName(s) == name) return s;
  }
  return std::nullopt;
}

Job ApplyChange(Job job, const JobChange& change) {
  job.state = change.to;
  if (change.attempts) job.attempts = *change.attempts;
  if (change.last_attempt_at) job.last_attempt_at = *change.last_attempt_at;
  if (change.next_attempt_at) job.next_attempt_at = *change.next_attempt_at;
  if (change.last_error) job.last_error = *change.last_error;
  if (change.verify_passes) job.verify_passes = *change.verify_passes;
  if (change.verified_at) job.verified_at = *change.verified_at;
  if (change.hash_mismatches) job.hash_mismatches = *change.hash_mismatches;
  return job;
}

bool IsLegalTransition(JobState from, JobState to) {
  using S = JobState;
  switch (from) {
    case S::kQueued:
      return to == S::kRunning || to == S::kFailed;
    case S::kRunning:
      return to == S::kAwaitingVerify || to == S::kQueued || to == S::kFailed;
    case S::kAwaitingVerify:
      return to == S::kVerified || to == S::kQueued || to == S::kFailed;
    case S::kVerified:
      return to == S::kCleanupEligible || to == S::kQueued || to == S::kFailed;
    case S::kCleanupEligible:
      return to == S::kCleaned || to == S::kQueued || to == S::kFailed;
    case S::kFailed:
      return to == S::kQueued;
    case S::kCleaned:
      return false;
  }
  return false;
}

Status CheckTransition(int64_t job_id, JobState from, JobState to) {
  if (from == to || IsLegalTransition(from, to)) return Status::OK();
  return Status::Refused("job " + std::to_string(job_id) + " is " +
                         std::string(JobStateName(from)) + " and cannot become " +
                         std::string(JobStateName(to)));
}

int64_t BackoffSeconds(int failed_attempts) {
  static constexpr int64_t kTable[] = {30, 2 * 60, 8 * 60, 30 * 60, 2 * 3600};
  const int index = std::clamp(failed_attempts, 1, 5) - 1;
  return kTable[index];
}

JobChange PlanFailure(const Job& job, FailureKind kind, std::string_view message,
                      const RetryPolicy& policy, int64_t now) {
  JobChange c;
  c.attempts = job.attempts + 1;
  c.last_attempt_at = now;
  c.last_error = std::string(FailureKindName(kind)) + ": " + std::string(message);
  switch (kind) {
    case FailureKind::kAuth:
    case FailureKind::kLocalFileVanished:
    case FailureKind::kMissingBinary:
    case FailureKind::kLocalIo:
    case FailureKind::kFatal:
      c.to = JobState::kFailed;
      return c;
    case FailureKind::kHashMismatch:
      c.hash_mismatches = job.hash_mismatches + 1;
      if (job.hash_mismatches >= 1) {
        c.to = JobState::kFailed;
      } else {
        c.to = JobState::kQueued;
        c.next_attempt_at = now;
      }
      return c;
    case FailureKind::kNetwork:
    case FailureKind::kOther:
      if (*c.attempts >= policy.max_attempts) {
        c.to = JobState::kFailed;
      } else {
        c.to = JobState::kQueued;
        c.next_attempt_at = now + BackoffSeconds(*c.attempts);
      }
      return c;
  }
  c.to = JobState::kFailed;
  return c;
}

JobChange PlanVerifyPass(const Job& job, const RetryPolicy& policy, int64_t now) {
  JobChange c;
  c.to = job.state == JobState::kAwaitingVerify ? JobState::kVerified : job.state;
  c.verify_passes = job.verify_passes + 1;
  if (job.verified_at == 0) c.verified_at = now;
  c.next_attempt_at = now + policy.reverify_seconds;
  c.last_attempt_at = now;
  return c;
}

JobChange PlanRetry() {
  JobChange c;
  c.to = JobState::kQueued;
  c.attempts = 0;
  c.hash_mismatches = 0;
  c.next_attempt_at = 0;
  return c;
}

std::vector<std::pair<int64_t, JobChange>> PlanReplay(const std::vector<Job>& jobs, int64_t now) {
  std::vector<std::pair<int64_t, JobChange>> out;
  for (const Job& job : jobs) {
    JobChange c;
    switch (job.state) {
      case JobState::kRunning:
        c.to = JobState::kQueued;
        c.next_attempt_at = now;
        c.last_error = "interrupted: the worker stopped during the transfer; resumed";
        break;
      case JobState::kAwaitingVerify:
      case JobState::kVerified:
      case JobState::kCleanupEligible:
        c.to = job.state;
        c.next_attempt_at = now;
        break;
      default:
        continue;
    }
    out.emplace_back(job.id, c);
  }
  return out;
}

DueWork WorkDue(const Job& job, int64_t now) {
  if (job.next_attempt_at > now) return DueWork::kNone;
  switch (job.state) {
    case JobState::kQueued:
      return DueWork::kTransfer;
    case JobState::kAwaitingVerify:
      return DueWork::kVerify;
    case JobState::kVerified:
    case JobState::kCleanupEligible:
      return DueWork::kReevaluate;
    default:
      return DueWork::kNone;
  }
}

}  // namespace ferry::push
