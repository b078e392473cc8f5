#include "net/retry.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace ferry {

int64_t BackoffBeforeAttempt(const RetryPolicy& policy, int next_attempt) {
  const double factor = std::pow(std::max(1.0, policy.multiplier), std::max(0, next_attempt - 2));
  const double ms = static_cast<double>(std::max<int64_t>(0, policy.initial_backoff_ms)) * factor;
  const double cap = static_cast<double>(std::max<int64_t>(0, policy.max_backoff_ms));
  return static_cast<int64_t>(std::min(ms, cap));
}

Status RetryWithBackoff(Env* env, const RetryPolicy& policy,
                        const std::function<Status(int attempt)>& op) {
  const int attempts = std::max(1, policy.max_attempts);
  Status last;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    if (attempt > 1) env->SleepForMicros(BackoffBeforeAttempt(policy, attempt) * 1000);
    last = op(attempt);
    if (last.ok() || !last.retryable()) return last;
  }
  if (attempts == 1) return last;
  return Status(last.code(),
                last.message() + " (gave up after " + std::to_string(attempts) + " attempts)",
                last.retryable());
}

}  // namespace ferry
