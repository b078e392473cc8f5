#include "serve/gate_stream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace ferry::serve {
bool GateStream::WaitFor(short events, int64_t timeout_ms, bool reading) const {
  const int64_t start = clock_->NowMonotonicNanos();
  int64_t end = start + timeout_ms * 1'000'000;
  if (reading) end = std::min(end, body_deadline_ns_);
  for (;;) {
    const int64_t left_ms = (end - clock_->NowMonotonicNanos()) / 1'000'000;
    if (left_ms <= 0) return false;
    pollfd p{c_->fd, events, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left_ms, 1 << 30)));
    if (r > 0) return (p.revents & (events | POLLHUP | POLLERR)) != 0;
    if (r == 0) return false;
    if (errno != EINTR) return false;
  }
}

bool GateStream::is_readable() const {
  return c_->buffered() > 0 || WaitFor(POLLIN, read_timeout_ms_, true);
}

bool GateStream::is_writable() const {
  if (!WaitFor(POLLOUT, write_timeout_ms_, false)) return false;
  // A peer that closed its end makes POLLOUT ready too; a zero-byte peek tells them apart.
  pollfd p{c_->fd, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) return true;
  char byte;
  const ssize_t n = ::recv(c_->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
}

ssize_t GateStream::read(char* ptr, size_t size) {
  if (c_->buffered() == 0) {
    c_->Compact();
    char chunk[16 * 1024];
    for (;;) {
      const ssize_t n = ::recv(c_->fd, chunk, sizeof(chunk), 0);
      if (n > 0) {
        c_->buffer.append(chunk, static_cast<size_t>(n));
        break;
      }
      if (n == 0) return 0;
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
      if (!WaitFor(POLLIN, read_timeout_ms_, true)) return -1;  // silent, or past the deadline
    }
  }
  const size_t n = std::min(size, c_->buffered());
  std::memcpy(ptr, c_->buffer.data() + c_->consumed, n);
  c_->consumed += n;
  return static_cast<ssize_t>(n);
}

ssize_t GateStream::write(const char* ptr, size_t size) {
  size_t sent = 0;
  while (sent < size) {
    const ssize_t n = ::send(c_->fd, ptr + sent, size - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
        WaitFor(POLLOUT, write_timeout_ms_, false)) {
      continue;
    }
    return -1;
  }
  return static_cast<ssize_t>(sent);
}

void GateStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  ip = c_->peer_ip;
  port = c_->peer_port;
}

void GateStream::get_local_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  ip.clear();
  port = 0;
  if (::getsockname(c_->fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return;
  char buf[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &a->sin_addr, buf, sizeof(buf));
    port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof(buf));
    port = ntohs(a->sin6_port);
  }
  ip = buf;
}

}  // namespace ferry::serve
