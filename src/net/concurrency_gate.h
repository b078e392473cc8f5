// ConcurrencyGate: admits requests to one server while fewer than its ConcurrencyController's
// level are in flight, and feeds the controller what they achieved.
//
// A worker calls Enter() before a download (blocking while the gate is full or paused by a
// Retry-After), Leave(bytes) after it, and NoteOverloaded() as soon as the server answers
// 429/503; WaitOutPause() before each retry makes retries honour Retry-After too.
//
// Invariants: in_flight() <= the controller's level at the moment of each Enter, so never more
// than its cap; a pause is waited out with Env::SleepForMicros (a MemEnv's manual clock moves,
// tests take no real time). Time is the Env's monotonic clock.
//
// Thread-safety: every method may be called from any thread.
#ifndef FERRY_NET_CONCURRENCY_GATE_H_
#define FERRY_NET_CONCURRENCY_GATE_H_

#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "ferry/env.h"
#include "net/concurrency_controller.h"

namespace ferry {

class ConcurrencyGate {
 public:
  ConcurrencyGate(Env* env, const ConcurrencyOptions& options);
  ConcurrencyGate(const ConcurrencyGate&) = delete;
  ConcurrencyGate& operator=(const ConcurrencyGate&) = delete;

  // Blocks until the request may start (a slot is free and no pause is running), then takes
  // the slot.
  void Enter();
  // Gives the slot back; the request moved `bytes` (0 when it failed).
  void Leave(uint64_t bytes);
  // The server answered 429/503 with this Retry-After (ms, < 0 when none).
  void NoteOverloaded(int64_t retry_after_ms);
  // Returns once no pause is running (at once when none is).
  void WaitOutPause();

  int level() const;
  int in_flight() const;
  // The most requests ever in flight at once.
  int peak_in_flight() const;

 private:
  // Sleeps (without the lock) until the pause ends; `lock` is held on entry and return.
  void SleepOutPause(std::unique_lock<std::mutex>* lock);

  Env* const env_;
  mutable std::mutex mu_;
  std::condition_variable slot_freed_;
  ConcurrencyController controller_;  // guarded by mu_
  int in_flight_ = 0;                 // guarded by mu_
  int peak_ = 0;                      // guarded by mu_
};

}  // namespace ferry

#endif  // FERRY_NET_CONCURRENCY_GATE_H_
