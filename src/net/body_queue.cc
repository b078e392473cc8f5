#include "net/body_queue.h"

#include <utility>

namespace ferry {

bool BodyQueue::TryPush(std::string_view chunk) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!buffer_.empty() && buffer_.size() + chunk.size() > max_bytes_) {
      paused_ = true;
      return false;
    }
    buffer_.append(chunk);
  }
  cv_.notify_one();
  return true;
}

void BodyQueue::Close() {
  // Notified under the lock: the consumer may destroy the queue as soon as it sees closed_,
  // so nothing here may touch it after the unlock.
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  cv_.notify_one();
}

BodyQueue::Taken BodyQueue::Take(std::string* bytes) {
  bytes->clear();
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return !buffer_.empty() || closed_; });
  Taken taken;
  if (buffer_.empty()) {
    taken.closed = true;
    return taken;
  }
  // A swap, not a copy: the consumer's (now empty) string becomes the next buffer, so the
  // two allocations are reused back and forth for the whole body.
  bytes->swap(buffer_);
  taken.resume = std::exchange(paused_, false);
  return taken;
}

}  // namespace ferry
