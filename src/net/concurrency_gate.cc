#include "net/concurrency_gate.h"

#include <algorithm>

namespace ferry {

ConcurrencyGate::ConcurrencyGate(Env* env, const ConcurrencyOptions& options)
    : env_(env), controller_(options) {}

void ConcurrencyGate::SleepOutPause(std::unique_lock<std::mutex>* lock) {
  for (;;) {
    const int64_t now = env_->NowMonotonicNanos();
    const int64_t until = controller_.paused_until_ns();
    if (now >= until) return;
    lock->unlock();
    env_->SleepForMicros((until - now + 999) / 1000);
    lock->lock();
  }
}

void ConcurrencyGate::Enter() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    SleepOutPause(&lock);
    if (in_flight_ < controller_.level()) break;
    slot_freed_.wait(lock);
  }
  ++in_flight_;
  peak_ = std::max(peak_, in_flight_);
}

void ConcurrencyGate::Leave(uint64_t bytes) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    --in_flight_;
    controller_.OnCompleted(env_->NowMonotonicNanos(), bytes);
  }
  // The level may have risen by more than one: wake every waiter to re-check.
  slot_freed_.notify_all();
}

void ConcurrencyGate::NoteOverloaded(int64_t retry_after_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  controller_.OnOverloaded(env_->NowMonotonicNanos(), retry_after_ms);
}

void ConcurrencyGate::WaitOutPause() {
  std::unique_lock<std::mutex> lock(mu_);
  SleepOutPause(&lock);
}

int ConcurrencyGate::level() const {
  std::lock_guard<std::mutex> lock(mu_);
  return controller_.level();
}

int ConcurrencyGate::in_flight() const {
  std::lock_guard<std::mutex> lock(mu_);
  return in_flight_;
}

int ConcurrencyGate::peak_in_flight() const {
  std::lock_guard<std::mutex> lock(mu_);
  return peak_;
}

}  // namespace ferry
