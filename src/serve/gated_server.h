// GatedServer: the plain-HTTP server of `ferry serve`: cpp-httplib's routing and response
// writing, with its connection handling replaced so that slow or idle clients cost a socket,
// never a thread.
//
// httplib (0.11) gives each accepted connection a worker for its whole life; a worker reads
// the request with a timeout that measures silence, so a client dripping one header byte
// every few seconds holds a thread for as long as it likes, and a few hundred of them starve
// everyone else (issue 9, item 4). Here:
//   1. httplib's accept loop hands each socket to process_and_close_socket(), overridden to
//      take an AddressLimiter slot (else answer 429, or 503 when the server is full) and pass
//      the socket to the ConnectionGate. It never blocks.
//   2. The gate (connection_gate.h) waits, on one epoll thread, for a whole request head with
//      deadlines on the whole wait.
//   3. A complete head goes to a worker (ConnectionQueue) that runs httplib's
//      process_request on a GateStream (gate_stream.h), whose body reads end at a deadline.
//   4. A keep-alive connection goes back to the gate for its next request.
// The accept loop runs the hand-off inline (InlineTaskQueue in the .cc), so no queue of
// sockets can build up in front of the gate.
//
// Thread-safety: as httplib::Server; StartGate() before listening, StopGate() after the
// accept loop returned.
#ifndef FERRY_SERVE_GATED_SERVER_H_
#define FERRY_SERVE_GATED_SERVER_H_

#include <httplib.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "ferry/status.h"
#include "serve/address_limiter.h"
#include "serve/client_connection.h"
#include "serve/connection_gate.h"
#include "serve/connection_queue.h"

namespace ferry::serve {

struct GatedServerOptions {
  Env* clock = nullptr;            // required: the gate's and the streams' deadlines (GateOptions)
  size_t max_threads = 256;        // workers, each serving one complete request at a time
  int64_t idle_timeout_ms = 5000;  // no byte of a (next) request: closed
  int64_t header_timeout_ms = 10000;  // first byte to blank line: 408
  int64_t body_timeout_ms = 10000;    // head complete to body complete
  int64_t read_timeout_ms = 10000;    // silence while reading a body
  int64_t write_timeout_ms = 30000;   // a client that does not take the response
  size_t keep_alive_max_count = 1000;
  size_t max_connections_per_address = 256;  // 0: no cap
  size_t max_connections = 0;                // 0: no cap
};

class GatedServer : public httplib::Server {
 public:
  explicit GatedServer(GatedServerOptions options);
  ~GatedServer() override;

  Status StartGate();
  void StopGate();

  const AddressLimiter& limiter() const { return limiter_; }

 private:
  bool process_and_close_socket(socket_t sock) override;
  // Serves the request whose head `c` holds, then gives the connection back to the gate or
  // closes it.
  void Serve(std::unique_ptr<ClientConnection> c);

  const GatedServerOptions options_;
  AddressLimiter limiter_;   // outlives every connection (declared first)
  ConnectionQueue workers_;  // outlives the gate, which hands it connections
  ConnectionGate gate_;
  std::atomic<bool> stopped_{false};
};

}  // namespace ferry::serve

#endif  // FERRY_SERVE_GATED_SERVER_H_
