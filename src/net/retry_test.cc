#include "net/retry.h"

#include <memory>
#include <vector>

#include "ferry/env.h"
#include "gtest/gtest.h"

namespace ferry {
namespace {

// Records every sleep, and lets the in-memory env advance its manual clock.
class SleepRecordingEnv : public EnvWrapper {
 public:
  explicit SleepRecordingEnv(Env* target) : EnvWrapper(target) {}
  void SleepForMicros(int64_t micros) override {
    sleeps_us.push_back(micros);
    EnvWrapper::SleepForMicros(micros);
  }
  std::vector<int64_t> sleeps_us;
};

class RetryTest : public ::testing::Test {
 protected:
  std::unique_ptr<Env> mem_ = NewMemEnv();
  SleepRecordingEnv env_{mem_.get()};
};

TEST_F(RetryTest, SucceedsAfterRetryableFailuresWithGrowingBackoff) {
  const int64_t start = env_.NowMonotonicNanos();
  std::vector<int> attempts;
  Status s = RetryWithBackoff(&env_, RetryPolicy{}, [&](int attempt) {
    attempts.push_back(attempt);
    return attempt < 4 ? Status::Unavailable("GET http://h/x: HTTP 503") : Status::OK();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(attempts, (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(env_.sleeps_us, (std::vector<int64_t>{200000, 400000, 800000}));
  EXPECT_EQ(env_.NowMonotonicNanos() - start, 1400LL * 1000 * 1000) << "slept on the fake clock";
}

TEST_F(RetryTest, NonRetryableErrorIsReturnedAtOnce) {
  int calls = 0;
  Status s = RetryWithBackoff(&env_, RetryPolicy{}, [&](int) {
    ++calls;
    return Status::Unauthorized("GET http://h/x: HTTP 401");
  });
  EXPECT_EQ(s.code(), StatusCode::kUnauthorized);
  EXPECT_EQ(s.message(), "GET http://h/x: HTTP 401");
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(env_.sleeps_us.empty());
}

TEST_F(RetryTest, GivesUpAfterMaxAttemptsKeepingTheLastError) {
  RetryPolicy policy;
  policy.max_attempts = 3;
  int calls = 0;
  Status s = RetryWithBackoff(&env_, policy, [&](int attempt) {
    ++calls;
    return Status::Unavailable("GET http://h/x: attempt " + std::to_string(attempt));
  });
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(s.retryable());
  EXPECT_EQ(s.message(), "GET http://h/x: attempt 3 (gave up after 3 attempts)");
  EXPECT_EQ(env_.sleeps_us, (std::vector<int64_t>{200000, 400000}));
}

TEST_F(RetryTest, BackoffIsCappedAtMaxBackoff) {
  RetryPolicy policy;
  policy.max_attempts = 7;
  policy.initial_backoff_ms = 1000;
  policy.multiplier = 3.0;
  policy.max_backoff_ms = 5000;
  Status s = RetryWithBackoff(&env_, policy, [&](int) { return Status::Unavailable("down"); });
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(env_.sleeps_us,
            (std::vector<int64_t>{1000000, 3000000, 5000000, 5000000, 5000000, 5000000}));
}

TEST_F(RetryTest, OneAttemptPolicyNeverSleepsAndKeepsTheMessage) {
  RetryPolicy policy;
  policy.max_attempts = 0;  // treated as 1
  int calls = 0;
  Status s = RetryWithBackoff(&env_, policy, [&](int) {
    ++calls;
    return Status::Unavailable("down");
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(s.message(), "down");
  EXPECT_TRUE(env_.sleeps_us.empty());
}

TEST(BackoffBeforeAttemptTest, FollowsTheFormula) {
  RetryPolicy policy;  // 200 ms, x2, cap 5000
  EXPECT_EQ(BackoffBeforeAttempt(policy, 2), 200);
  EXPECT_EQ(BackoffBeforeAttempt(policy, 3), 400);
  EXPECT_EQ(BackoffBeforeAttempt(policy, 6), 3200);
  EXPECT_EQ(BackoffBeforeAttempt(policy, 7), 5000);
  EXPECT_EQ(BackoffBeforeAttempt(policy, 60), 5000);
}

}  // namespace
}  // namespace ferry
