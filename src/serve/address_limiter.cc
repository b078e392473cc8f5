#include "serve/address_limiter.h"

#include <utility>

namespace ferry::serve {

AddressLimiter::Slot::Slot(Slot&& other) noexcept
    : limiter_(std::exchange(other.limiter_, nullptr)), address_(std::move(other.address_)) {}

AddressLimiter::Slot& AddressLimiter::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    Release();
    limiter_ = std::exchange(other.limiter_, nullptr);
    address_ = std::move(other.address_);
  }
  return *this;
}

void AddressLimiter::Slot::Release() {
  if (limiter_ != nullptr) std::exchange(limiter_, nullptr)->Release(address_);
}

AddressLimiter::Verdict AddressLimiter::TryAcquire(const std::string& address, Slot* slot) {
  std::lock_guard<std::mutex> lock(mu_);
  if (total_ != 0 && total_held_ >= total_) return Verdict::kServerFull;
  size_t& n = by_address_[address];
  if (per_address_ != 0 && n >= per_address_) return Verdict::kAddressFull;
  ++n;
  ++total_held_;
  *slot = Slot(this, address);
  return Verdict::kAdmitted;
}

void AddressLimiter::Release(const std::string& address) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_address_.find(address);
  if (it == by_address_.end()) return;
  --total_held_;
  if (--it->second == 0) by_address_.erase(it);
}

size_t AddressLimiter::held(const std::string& address) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_address_.find(address);
  return it == by_address_.end() ? 0 : it->second;
}

size_t AddressLimiter::held_total() const {
  std::lock_guard<std::mutex> lock(mu_);
  return total_held_;
}

}  // namespace ferry::serve
