// ConnectionGate: where `ferry serve` holds plain-HTTP connections until a whole request head
// (request line and headers, up to the blank line) has arrived, so that no worker thread
// ever waits on a client. One thread watches every waiting socket with epoll and reads what
// arrives into the connection's buffer; a connection whose head is complete goes to
// `on_ready` (a worker pool), and comes back here through Add() when its keep-alive
// connection waits for the next request.
//
// Deadlines measure the whole wait, not silence, so a client that drips one byte every few
// seconds cannot hold a connection longer than a silent one:
//   - idle: no byte of the next request within `idle_timeout_ms` of accepting the
//     connection (or of the previous response): closed without a word.
//   - head: the blank line not arrived within `header_timeout_ms` of the request's first
//     byte: answered 408 and closed.
//   - size: a head over `max_header_bytes` is answered 414 (no end of the request line
//     yet) or 431 and closed.
// Waiting costs a socket and its buffer, not a thread: the AddressLimiter (address_limiter.h)
// bounds how many sockets there are.
//
// Thread-safety: Add() from any thread; Start/Stop from one thread. `on_ready` runs on the
// gate's thread and must not block.
#ifndef FERRY_SERVE_CONNECTION_GATE_H_
#define FERRY_SERVE_CONNECTION_GATE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "ferry/env.h"
#include "ferry/status.h"
#include "serve/client_connection.h"

namespace ferry::serve {

struct GateOptions {
  // Deadlines are measured on its NowMonotonicNanos (the real clock in `ferry serve`).
  // Required; must outlive the gate.
  Env* clock = nullptr;
  int64_t idle_timeout_ms = 5000;
  int64_t header_timeout_ms = 10000;
  // httplib caps each header line at 8 KiB; a whole head rarely passes 2 KiB. Waiting
  // connections hold at most this much each.
  size_t max_header_bytes = 16 * 1024;
};

class ConnectionGate {
 public:
  using ReadyFn = std::function<void(std::unique_ptr<ClientConnection>)>;

  ConnectionGate(GateOptions options, ReadyFn on_ready);
  ~ConnectionGate();  // Stop()s
  ConnectionGate(const ConnectionGate&) = delete;
  ConnectionGate& operator=(const ConnectionGate&) = delete;

  // Creates the epoll set and starts the gate's thread. kUnavailable when the kernel refuses.
  Status Start();
  // Closes every waiting connection and joins; later Add()s close theirs at once. Idempotent.
  void Stop();

  // Hands a non-blocking connection to the gate; its deadlines count from now (a keep-alive
  // connection whose buffer already holds a whole head goes straight on to `on_ready`).
  void Add(std::unique_ptr<ClientConnection> connection);

 private:
  void Loop();
  void Admit(std::unique_ptr<ClientConnection> c);
  // Reads what the socket has, then hands the connection on, refuses it, closes it (the
  // client left) or leaves it waiting.
  void OnReadable(ClientConnection* c, int64_t now_ns);
  // Hands on or refuses `c` (which must be in waiting_) if its head is complete or too
  // large, looking for the blank line from `search_from`; true when it left.
  bool MaybeFinishHead(ClientConnection* c, size_t search_from);
  std::unique_ptr<ClientConnection> Remove(ClientConnection* c);
  int64_t DeadlineOf(const ClientConnection& c) const;
  void ExpireDue(int64_t now_ns);

  const GateOptions options_;
  const ReadyFn on_ready_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: Add() and Stop() wake the loop
  std::thread thread_;

  std::mutex mu_;  // guards inbox_ and stopping_
  std::vector<std::unique_ptr<ClientConnection>> inbox_;
  bool stopping_ = false;

  // Owned by the gate's thread only.
  std::unordered_map<ClientConnection*, std::unique_ptr<ClientConnection>> waiting_;
  int64_t next_deadline_ns_ = INT64_MAX;
};

}  // namespace ferry::serve

#endif  // FERRY_SERVE_CONNECTION_GATE_H_
