// AddressLimiter: how many connections `ferry serve` holds open, in total and per client
// address. A connection takes a slot when it is accepted and gives it back when it closes
// (the Slot's destructor), whether it was waiting for its headers or being served; so one
// address cannot hold more than `per_address` sockets, and the server never holds more than
// `total` (kept below RLIMIT_NOFILE so files, the state database and inotify still open).
// 0 means no limit.
//
// Behind a reverse proxy or a NAT every client shares one address: raise or disable the
// per-address cap there (docs/DESIGN.md, README "serve").
//
// Thread-safety: TryAcquire and Slot destruction may run on any thread.
#ifndef FERRY_SERVE_ADDRESS_LIMITER_H_
#define FERRY_SERVE_ADDRESS_LIMITER_H_

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace ferry::serve {

class AddressLimiter {
 public:
  enum class Verdict { kAdmitted, kAddressFull, kServerFull };

  // A held connection slot; empty when default-constructed or moved from.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept;
    Slot& operator=(Slot&& other) noexcept;
    ~Slot() { Release(); }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

    bool held() const { return limiter_ != nullptr; }

   private:
    friend class AddressLimiter;
    Slot(AddressLimiter* limiter, std::string address)
        : limiter_(limiter), address_(std::move(address)) {}
    void Release();

    AddressLimiter* limiter_ = nullptr;  // must outlive the slot
    std::string address_;
  };

  AddressLimiter(size_t per_address, size_t total) : per_address_(per_address), total_(total) {}
  AddressLimiter(const AddressLimiter&) = delete;
  AddressLimiter& operator=(const AddressLimiter&) = delete;

  // Takes a slot for `address` unless a cap is reached; the verdict says which.
  Verdict TryAcquire(const std::string& address, Slot* slot);

  size_t held(const std::string& address) const;
  size_t held_total() const;

 private:
  void Release(const std::string& address);

  const size_t per_address_;
  const size_t total_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, size_t> by_address_;
  size_t total_held_ = 0;
};

}  // namespace ferry::serve

#endif  // FERRY_SERVE_ADDRESS_LIMITER_H_
