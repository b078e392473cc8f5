// ConnectionQueue: the worker pool of `ferry serve`. It starts threads on demand up to
// `max_threads`; beyond that, work waits in the queue and clients see a delay, never an
// error. Over plain HTTP a task is one request whose head is already complete
// (gated_server.h), so a slow or idle client never holds a thread. Over TLS it is httplib's
// task queue and a task is a connection's whole keep-alive life (read and keep-alive timeouts
// bound it).
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
