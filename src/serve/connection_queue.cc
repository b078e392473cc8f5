#include "serve/connection_queue.h"

namespace ferry::serve {

void ConnectionQueue::enqueue(std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(mu_);
  tasks_.push_back(std::move(fn));
  // A new thread only when every existing one is busy with a connection.
  if (idle_ < tasks_.size() && threads_.size() < max_threads_ && !stopping_) {
    threads_.emplace_back([this] { Loop(); });
  }
  cv_.notify_one();
}

void ConnectionQueue::shutdown() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    threads.swap(threads_);
  }
  cv_.notify_all();
  for (std::thread& t : threads) t.join();
}

void ConnectionQueue::Loop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ++idle_;
      cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      --idle_;
      if (tasks_.empty()) return;  // stopping, and nothing left to run
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

}  // namespace ferry::serve
