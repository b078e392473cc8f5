#include "serve/connection_gate.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string_view>

namespace ferry::serve {
namespace {

constexpr std::string_view kEndOfHead = "\r\n\r\n";

}  // namespace

ConnectionGate::ConnectionGate(GateOptions options, ReadyFn on_ready)
    : options_(options), on_ready_(std::move(on_ready)) {}

ConnectionGate::~ConnectionGate() {
  Stop();
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

Status ConnectionGate::Start() {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0) {
    return Status::Unavailable(
        std::string("serve: cannot create the connection gate: ") + std::strerror(errno), false);
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // the wake-up descriptor
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev) != 0) {
    return Status::Unavailable(
        std::string("serve: cannot watch the gate's wake-up: ") + std::strerror(errno), false);
  }
  thread_ = std::thread([this] { Loop(); });
  return Status::OK();
}

void ConnectionGate::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (wake_fd_ >= 0) {
    const uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof(one));  // EAGAIN: already signalled
  }
  if (thread_.joinable()) thread_.join();
  waiting_.clear();  // closes every waiting connection
  std::lock_guard<std::mutex> lock(mu_);
  inbox_.clear();
}

void ConnectionGate::Add(std::unique_ptr<ClientConnection> connection) {
  connection->waiting_since_ns = options_.clock->NowMonotonicNanos();
  connection->first_byte_ns = connection->buffered() > 0 ? connection->waiting_since_ns : 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;  // `connection` closes here
    inbox_.push_back(std::move(connection));
  }
  const uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof(one));  // EAGAIN: already signalled
}

int64_t ConnectionGate::DeadlineOf(const ClientConnection& c) const {
  return c.first_byte_ns > 0 ? c.first_byte_ns + options_.header_timeout_ms * 1'000'000
                             : c.waiting_since_ns + options_.idle_timeout_ms * 1'000'000;
}

void ConnectionGate::Admit(std::unique_ptr<ClientConnection> c) {
  c->Compact();
  ClientConnection* raw = c.get();
  if (c->buffered() > 0) {
    // A pipelined request: its head may already be here.
    waiting_.emplace(raw, std::move(c));
    if (MaybeFinishHead(raw, 0)) return;
    c = std::move(waiting_[raw]);
    waiting_.erase(raw);
  }
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.ptr = raw;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, raw->fd, &ev) != 0) return;  // closes it
  next_deadline_ns_ = std::min(next_deadline_ns_, DeadlineOf(*raw));
  waiting_.emplace(raw, std::move(c));
}

std::unique_ptr<ClientConnection> ConnectionGate::Remove(ClientConnection* c) {
  auto it = waiting_.find(c);
  if (it == waiting_.end()) return nullptr;
  std::unique_ptr<ClientConnection> owned = std::move(it->second);
  waiting_.erase(it);
  // One handed on must stop producing events now (a pipelined request found by Admit was
  // never registered: ENOENT, nothing to undo).
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, owned->fd, nullptr);
  return owned;
}

bool ConnectionGate::MaybeFinishHead(ClientConnection* c, size_t search_from) {
  const std::string_view unread(c->buffer.data() + c->consumed, c->buffered());
  const size_t from = std::min(search_from, unread.size());
  if (unread.find(kEndOfHead, from) != std::string_view::npos) {
    on_ready_(Remove(c));
    return true;
  }
  if (unread.size() <= options_.max_header_bytes) return false;
  const bool no_request_line = unread.find("\r\n") == std::string_view::npos;
  std::unique_ptr<ClientConnection> owned = Remove(c);
  if (no_request_line) {
    SendErrorAndClose(owned->fd, 414, "URI Too Long", "request URI too long");
  } else {
    SendErrorAndClose(owned->fd, 431, "Request Header Fields Too Large",
                      "request headers too large");
  }
  return true;  // `owned` closes here
}

void ConnectionGate::OnReadable(ClientConnection* c, int64_t now_ns) {
  const size_t before = c->buffered();
  char chunk[16 * 1024];
  for (;;) {
    // Never more than one byte past the cap, so a waiting connection's buffer stays small.
    const size_t room = std::min(sizeof(chunk), options_.max_header_bytes + 1 - c->buffered());
    const ssize_t n = ::recv(c->fd, chunk, room, 0);
    if (n > 0) {
      c->buffer.append(chunk, static_cast<size_t>(n));
      if (c->buffered() > options_.max_header_bytes) break;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    // End of stream or a reset: the client is gone before its request was whole.
    Remove(c);
    return;
  }
  if (c->buffered() == before) return;
  if (c->first_byte_ns == 0) {
    c->first_byte_ns = now_ns;
    next_deadline_ns_ = std::min(next_deadline_ns_, DeadlineOf(*c));
  }
  MaybeFinishHead(c, before >= kEndOfHead.size() ? before - (kEndOfHead.size() - 1) : 0);
}

void ConnectionGate::ExpireDue(int64_t now_ns) {
  if (now_ns < next_deadline_ns_) return;
  next_deadline_ns_ = INT64_MAX;
  std::vector<ClientConnection*> due;
  for (const auto& [raw, owned] : waiting_) {
    const int64_t deadline = DeadlineOf(*raw);
    if (deadline <= now_ns) {
      due.push_back(raw);
    } else {
      next_deadline_ns_ = std::min(next_deadline_ns_, deadline);
    }
  }
  for (ClientConnection* raw : due) {
    std::unique_ptr<ClientConnection> owned = Remove(raw);
    // A client that sent part of a request learns why; a silent one is just closed.
    if (owned && owned->first_byte_ns > 0) {
      SendErrorAndClose(owned->fd, 408, "Request Timeout", "request headers not received in time");
    }
  }
}

void ConnectionGate::Loop() {
  std::vector<epoll_event> events(256);
  for (;;) {
    int64_t now_ns = options_.clock->NowMonotonicNanos();
    int timeout_ms = 1000;
    if (next_deadline_ns_ != INT64_MAX) {
      const int64_t wait_ms = (next_deadline_ns_ - now_ns) / 1'000'000 + 1;
      timeout_ms = static_cast<int>(std::clamp<int64_t>(wait_ms, 0, 1000));
    }
    const int n =
        ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), timeout_ms);
    now_ns = options_.clock->NowMonotonicNanos();
    for (int i = 0; i < n; ++i) {
      if (events[i].data.ptr != nullptr) {
        OnReadable(static_cast<ClientConnection*>(events[i].data.ptr), now_ns);
        continue;
      }
      uint64_t count;
      (void)!::read(wake_fd_, &count, sizeof(count));
      std::vector<std::unique_ptr<ClientConnection>> arrived;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) return;
        arrived.swap(inbox_);
      }
      for (auto& c : arrived) Admit(std::move(c));
    }
    ExpireDue(now_ns);
  }
}

}  // namespace ferry::serve
