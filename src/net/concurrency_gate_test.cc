// ConcurrencyGate on a MemEnv: its manual clock moves when the gate sleeps out a pause, so a
// Retry-After of seconds takes no real time and its length is exact.
#include "net/concurrency_gate.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "ferry/env.h"
#include "gtest/gtest.h"
#include "support/thread_state.h"

namespace ferry {
namespace {

constexpr int64_t kMs = 1'000'000;

TEST(ConcurrencyGateTest, RetryAfterHoldsTheNextRequestOnTheEnvClock) {
  std::unique_ptr<Env> env = NewMemEnv();
  ConcurrencyGate gate(env.get(), ConcurrencyOptions{});
  EXPECT_EQ(gate.level(), 4);
  gate.Enter();
  gate.NoteOverloaded(2000);  // 429 with Retry-After: 2
  EXPECT_EQ(gate.level(), 2);
  gate.Leave(0);
  const int64_t before = env->NowMonotonicNanos();
  gate.Enter();
  EXPECT_EQ(env->NowMonotonicNanos() - before, 2000 * kMs);
  // The pause is over: the next one enters at once.
  const int64_t after = env->NowMonotonicNanos();
  gate.Enter();
  EXPECT_EQ(env->NowMonotonicNanos(), after);
  EXPECT_EQ(gate.in_flight(), 2);
}

TEST(ConcurrencyGateTest, RetryWaitsOutThePauseToo) {
  std::unique_ptr<Env> env = NewMemEnv();
  ConcurrencyGate gate(env.get(), ConcurrencyOptions{});
  gate.Enter();
  gate.NoteOverloaded(-1);  // no Retry-After: the default
  const int64_t before = env->NowMonotonicNanos();
  gate.WaitOutPause();
  EXPECT_EQ(env->NowMonotonicNanos() - before, ConcurrencyController::kDefaultRetryAfterMs * kMs);
}

TEST(ConcurrencyGateTest, FullGateBlocksUntilASlotIsFreed) {
  std::unique_ptr<Env> env = NewMemEnv();
  ConcurrencyOptions fixed;
  fixed.adaptive = false;
  fixed.fixed_level = 2;
  ConcurrencyGate gate(env.get(), fixed);
  gate.Enter();
  gate.Enter();
  std::atomic<bool> entered{false};
  std::atomic<long> tid{0};
  std::thread third([&] {
    tid = ::syscall(SYS_gettid);
    gate.Enter();
    entered = true;
  });
  EXPECT_TRUE(testing::WaitUntilThreadSleeps(&tid, std::chrono::seconds(20)));
  EXPECT_FALSE(entered.load());
  EXPECT_EQ(gate.in_flight(), 2);
  gate.Leave(100);
  third.join();
  EXPECT_TRUE(entered.load());
  EXPECT_EQ(gate.in_flight(), 2);
  EXPECT_EQ(gate.peak_in_flight(), 2);
}

TEST(ConcurrencyGateTest, FixedGateIgnoresRetryAfter) {
  std::unique_ptr<Env> env = NewMemEnv();
  ConcurrencyOptions fixed;
  fixed.adaptive = false;
  fixed.fixed_level = 3;
  ConcurrencyGate gate(env.get(), fixed);
  gate.NoteOverloaded(5000);
  const int64_t before = env->NowMonotonicNanos();
  gate.Enter();
  EXPECT_EQ(env->NowMonotonicNanos(), before);
  EXPECT_EQ(gate.level(), 3);
}

}  // namespace
}  // namespace ferry
