// RetryWithBackoff: runs an operation until it succeeds, fails for good, or runs out of
// attempts, sleeping an exponentially growing delay between attempts.
//
// Only a Status whose retryable() bit is set is retried (transport errors, 5xx, 429): a 4xx,
// a refused token or a bad manifest fail at once. Sleeping goes through Env::SleepForMicros,
// so tests on a MemEnv (manual clock) take no real time and can assert the exact delays.
//
// Delays: before attempt k+1 (k >= 1) the wait is
//   min(max_backoff_ms, initial_backoff_ms * multiplier^(k-1)).
// There is no random jitter: ferry's parallelism against one peer is small and bounded, and
// deterministic delays keep the tests exact.
//
// Thread-safety: a free function; safe to call concurrently if `op` is.
#ifndef FERRY_NET_RETRY_H_
#define FERRY_NET_RETRY_H_

#include <cstdint>
#include <functional>

#include "ferry/env.h"
#include "ferry/status.h"

namespace ferry {

struct RetryPolicy {
  int max_attempts = 4;  // total tries, including the first; values < 1 mean 1
  int64_t initial_backoff_ms = 200;
  double multiplier = 2.0;
  int64_t max_backoff_ms = 5000;
};

// The wait before attempt `next_attempt` (2, 3, ...), in milliseconds.
int64_t BackoffBeforeAttempt(const RetryPolicy& policy, int next_attempt);

// Calls op(1), op(2), ... . Returns OK as soon as one succeeds, at once a non-retryable
// error, or, when every attempt failed retryably, the last Status with
// " (gave up after N attempts)" appended (still retryable, so an outer queue may try later).
Status RetryWithBackoff(Env* env, const RetryPolicy& policy,
                        const std::function<Status(int attempt)>& op);

}  // namespace ferry

#endif  // FERRY_NET_RETRY_H_
