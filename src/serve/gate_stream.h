// GateStream: the httplib::Stream a worker serves one request through (gated_server.h). It
// reads the head the gate already buffered first, then the socket, and keeps what it reads
// past this request (a pipelined one) in the connection's buffer for the gate.
//
// Reads from the socket (the body) end at `body_deadline_ns`, however the bytes trickle in,
// and after `read_timeout_ms` of silence; each write waits at most `write_timeout_ms` for the
// socket to take more.
//
// Thread-safety: used by one worker thread.
#ifndef FERRY_SERVE_GATE_STREAM_H_
#define FERRY_SERVE_GATE_STREAM_H_

#include <httplib.h>

#include <cstdint>
#include <string>

#include "ferry/env.h"
#include "serve/client_connection.h"

namespace ferry::serve {

class GateStream : public httplib::Stream {
 public:
  // `body_deadline_ns` is on `clock`'s monotonic time (the gate's clock).
  GateStream(Env* clock, ClientConnection* connection, int64_t read_timeout_ms,
             int64_t write_timeout_ms, int64_t body_deadline_ns)
      : clock_(clock),
        c_(connection),
        read_timeout_ms_(read_timeout_ms),
        write_timeout_ms_(write_timeout_ms),
        body_deadline_ns_(body_deadline_ns) {}

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return c_->fd; }

 private:
  // Waits for `events` on the socket for up to `timeout_ms`, never past the body deadline
  // when reading; true when the socket is ready.
  bool WaitFor(short events, int64_t timeout_ms, bool reading) const;

  Env* const clock_;
  ClientConnection* c_;  // owned by the worker, outlives the stream
  const int64_t read_timeout_ms_;
  const int64_t write_timeout_ms_;
  const int64_t body_deadline_ns_;
};

}  // namespace ferry::serve

#endif  // FERRY_SERVE_GATE_STREAM_H_
