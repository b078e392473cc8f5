#include "support/loopback_http_server.h"

#include <sys/socket.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

namespace ferry::testing {

LoopbackHttpServer::LoopbackHttpServer() {
  server_.new_task_queue = [] { return new httplib::ThreadPool(32); };
  server_.set_keep_alive_max_count(100000);
  server_.set_keep_alive_timeout(1);
  // httplib writes headers and body separately; with Nagle on, each small response waits
  // for the peer's delayed ACK (40 ms on Linux).
  server_.set_tcp_nodelay(true);
  // Replaces httplib's default socket options (SO_REUSEADDR, kept here) to learn the
  // listening socket, whose backlog Start() raises.
  server_.set_socket_options([this](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listen_fd_ = sock;
  });
}

LoopbackHttpServer::~LoopbackHttpServer() { Stop(); }

void LoopbackHttpServer::Start() {
  if (thread_.joinable()) throw std::runtime_error("LoopbackHttpServer::Start called twice");
  port_ = server_.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("LoopbackHttpServer: bind to 127.0.0.1 failed");
  // httplib 0.11.4 listens with a backlog of 5: a test opening more connections at once
  // (8 parallel downloads) overflows it, and the kernel drops the extra SYNs, which the
  // client resends only after a second. listen() again raises the backlog in place.
  if (listen_fd_ >= 0 && ::listen(listen_fd_, SOMAXCONN) != 0) {
    throw std::runtime_error("LoopbackHttpServer: listen(SOMAXCONN) failed");
  }
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  // The socket already listens (connections would queue in the backlog), but wait until the
  // accept loop runs so that a test's first request is not racing thread start-up.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!server_.is_running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      Stop();
      throw std::runtime_error("LoopbackHttpServer: not running 10 s after Start");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void LoopbackHttpServer::Stop() {
  if (!thread_.joinable()) return;
  server_.stop();
  thread_.join();
}

std::string LoopbackHttpServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

}  // namespace ferry::testing
