// ThreadPool: a small fixed set of worker threads running queued tasks in FIFO order. For
// bounded parallel work inside one command (hashing files, verifying a pull): the pool size is
// the parallelism limit, so memory stays proportional to it rather than to the work list.
//
// Invariants: tasks start in the order they were scheduled; every scheduled task runs exactly
// once, even if the pool is being destroyed (the destructor drains the queue, then joins).
// Tasks must not throw (ferry reports errors as Status values) and must not call Wait() on
// their own pool.
//
// Thread-safety: Schedule() and Wait() may be called from any thread, including from a task
// (Schedule only).
#ifndef FERRY_BASE_THREAD_POOL_H_
#define FERRY_BASE_THREAD_POOL_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ferry {

class ThreadPool {
 public:
  // Starts max(threads, 1) workers.
  explicit ThreadPool(size_t threads);
  // Runs every task still queued, then joins the workers.
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  size_t size() const { return workers_.size(); }

  void Schedule(std::function<void()> task);

  // Blocks until every task scheduled so far (and any they scheduled) has finished.
  void Wait();

  // The default parallelism: std::thread::hardware_concurrency(), or 1 if unknown.
  static size_t DefaultThreadCount();

 private:
  void WorkerLoop();

  std::mutex mu_;
  std::condition_variable work_cv_;  // a task was queued, or stopping_
  std::condition_variable idle_cv_;  // pending_ reached 0
  std::deque<std::function<void()>> queue_;
  size_t pending_ = 0;  // queued + running
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

// Runs fn(0..n-1) on up to `jobs` threads, inline when jobs <= 1 or there is little to do
// (n < 64: threads would cost more than they save). Returns when every call has finished.
void ParallelFor(int jobs, size_t n, const std::function<void(size_t)>& fn);

}  // namespace ferry

#endif  // FERRY_BASE_THREAD_POOL_H_
