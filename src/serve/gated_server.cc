#include "serve/gated_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "serve/gate_stream.h"

namespace ferry::serve {
namespace {

// httplib's accept loop enqueues one task per accepted socket; ours only hands the socket
// to the gate, so it runs at once on the accept thread.
class InlineTaskQueue : public httplib::TaskQueue {
 public:
  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override {}
};

// The peer's address as the per-address cap counts it (IPv4-mapped IPv6 as plain IPv4).
bool PeerOf(int fd, std::string* ip, int* port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return false;
  char buf[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &a->sin_addr, buf, sizeof(buf));
    *port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof(buf));
    *port = ntohs(a->sin6_port);
  } else {
    return false;
  }
  *ip = buf;
  if (ip->rfind("::ffff:", 0) == 0 && ip->find('.') != std::string::npos) ip->erase(0, 7);
  return true;
}

}  // namespace

GatedServer::GatedServer(GatedServerOptions options)
    : options_(options),
      limiter_(options.max_connections_per_address, options.max_connections),
      workers_(options.max_threads),
      gate_(GateOptions{options.clock, options.idle_timeout_ms, options.header_timeout_ms},
            [this](std::unique_ptr<ClientConnection> c) {
              // std::function must be copyable; the connection travels in a shared holder.
              auto holder = std::make_shared<std::unique_ptr<ClientConnection>>(std::move(c));
              workers_.enqueue([this, holder] { Serve(std::move(*holder)); });
            }) {
  new_task_queue = [] { return new InlineTaskQueue(); };
}

GatedServer::~GatedServer() { StopGate(); }

Status GatedServer::StartGate() { return gate_.Start(); }

void GatedServer::StopGate() {
  if (stopped_.exchange(true)) return;
  gate_.Stop();         // closes waiting connections; served ones close when done
  workers_.shutdown();  // finishes the requests already handed over
}

bool GatedServer::process_and_close_socket(socket_t sock) {
  std::string ip;
  int port = 0;
  if (stopped_ || !PeerOf(sock, &ip, &port)) {
    ::close(sock);
    return false;
  }
  AddressLimiter::Slot slot;
  switch (limiter_.TryAcquire(ip, &slot)) {
    case AddressLimiter::Verdict::kAdmitted:
      break;
    case AddressLimiter::Verdict::kAddressFull:
      SendErrorAndClose(sock, 429, "Too Many Requests",
                        "too many connections from your address (at most " +
                            std::to_string(options_.max_connections_per_address) +
                            "); close some and retry");
      ::close(sock);
      return false;
    case AddressLimiter::Verdict::kServerFull:
      SendErrorAndClose(sock, 503, "Service Unavailable",
                        "the server holds as many connections as it can; retry shortly");
      ::close(sock);
      return false;
  }
  const int flags = ::fcntl(sock, F_GETFL);
  const int yes = 1;
  if (flags < 0 || ::fcntl(sock, F_SETFL, flags | O_NONBLOCK) != 0) {
    ::close(sock);
    return false;
  }
  ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
  gate_.Add(std::make_unique<ClientConnection>(sock, std::move(ip), port, std::move(slot)));
  return true;
}

void GatedServer::Serve(std::unique_ptr<ClientConnection> c) {
  GateStream stream(options_.clock, c.get(), options_.read_timeout_ms, options_.write_timeout_ms,
                    options_.clock->NowMonotonicNanos() + options_.body_timeout_ms * 1'000'000);
  const bool last = c->requests_served + 1 >= options_.keep_alive_max_count;
  bool closed_by_client = false;
  const bool ok = process_request(stream, last, closed_by_client, nullptr);
  ++c->requests_served;
  if (!ok || closed_by_client || last || stopped_) return;  // `c` closes here
  gate_.Add(std::move(c));
}

}  // namespace ferry::serve
