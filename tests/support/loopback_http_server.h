// LoopbackHttpServer: a real HTTP server (cpp-httplib) on 127.0.0.1 at a free port, served by
// a background thread, for tests that need a real peer (the curl client, ferry pull against a
// scripted catalog server, object-store quirks).
//
// Usage: register handlers on server() BEFORE Start(); Start() binds to an ephemeral port and
// returns only once the listening thread is accepting; url("/x") names a path on it. Stop()
// (or the destructor) stops and joins the thread. Handlers run on the server's worker threads,
// so whatever they touch must be thread-safe.
//
// Defaults differ from httplib's on purpose: 32 worker threads (a client with many parallel
// keep-alive connections would otherwise queue behind idle ones), up to 100000 requests per
// keep-alive connection (so connection reuse is observable) and a 1 s idle keep-alive timeout
// (httplib's worker threads only notice Stop() after an idle connection times out, so this
// bounds Stop() while a client still holds a connection; destroy clients first to stop at
// once), TCP_NODELAY (otherwise small responses wait 40 ms for a delayed ACK), and a listen
// backlog of SOMAXCONN instead of httplib's 5 (otherwise the 6th simultaneous connect waits
// a second for a SYN retransmit). Override any of them on server() before Start(), except
// set_socket_options, which this class uses to raise the backlog.
//
// httplib quirks worth knowing when scripting a peer:
// - A handler that leaves res.status unset and calls set_content answers a Range request
//   with 206 and the slice, like a real file server.
// - To play a server WITHOUT range support (200 + whole body to a Range request), set
//   res.status = 200 and send the body with set_chunked_content_provider: with set_content
//   and an explicit 200, httplib would still slice the body (a 200 with a partial body).
// - A content provider that returns false closes the connection: a peer dying mid-body.
//
// A handler may learn which TCP connection carried a request from req.remote_port (each
// client connection has its own port), e.g. to count connections.
//
// Thread-safety: Start/Stop/port/url from one (the test's) thread.
#ifndef FERRY_TESTS_SUPPORT_LOOPBACK_HTTP_SERVER_H_
#define FERRY_TESTS_SUPPORT_LOOPBACK_HTTP_SERVER_H_

#include <httplib.h>

#include <string>
#include <thread>

namespace ferry::testing {

class LoopbackHttpServer {
 public:
  LoopbackHttpServer();
  ~LoopbackHttpServer();  // Stop()s
  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

  httplib::Server& server() { return server_; }

  // Binds 127.0.0.1:<free port> and starts listening; throws std::runtime_error when the
  // bind fails or the server is not running within 10 s. Call once.
  void Start();
  // Stops accepting, waits for the listening thread. Idempotent.
  void Stop();

  int port() const { return port_; }
  // "http://127.0.0.1:<port><path>"; path should start with '/'.
  std::string url(const std::string& path) const;

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = -1;
  int listen_fd_ = -1;  // learnt from the socket-options hook at bind time
};

}  // namespace ferry::testing

#endif  // FERRY_TESTS_SUPPORT_LOOPBACK_HTTP_SERVER_H_
