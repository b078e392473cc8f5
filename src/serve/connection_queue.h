// ConnectionQueue: the task queue behind the HTTP server (httplib's new_task_queue). httplib
// runs one task per accepted connection for the connection's whole keep-alive life, so a
// fixed pool of N threads lets N idle or slow clients block everyone else. This queue starts
// threads on demand up to `max_threads` (threads are cheap next to a blocked service), so a
// slow client or a burst of idle connections occupies threads, not the queue; only beyond
// max_threads do connections wait, and those clients see a delay, never an error. Read and
// keep-alive timeouts (set on the server) bound how long any one connection holds a thread.
//
// Thread-safety: enqueue() is called by httplib's accept thread; shutdown() once, after the
// accept loop stopped; it runs every queued task and joins the threads.
#ifndef FERRY_SERVE_CONNECTION_QUEUE_H_
#define FERRY_SERVE_CONNECTION_QUEUE_H_

#include <httplib.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ferry::serve {

class ConnectionQueue : public httplib::TaskQueue {
 public:
  explicit ConnectionQueue(size_t max_threads) : max_threads_(max_threads < 1 ? 1 : max_threads) {}
  ~ConnectionQueue() override { shutdown(); }

  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

 private:
  void Loop();

  const size_t max_threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  std::vector<std::thread> threads_;
  size_t idle_ = 0;
  bool stopping_ = false;
};

}  // namespace ferry::serve

#endif  // FERRY_SERVE_CONNECTION_QUEUE_H_
