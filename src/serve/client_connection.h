// ClientConnection: one accepted plain-HTTP socket of `ferry serve` and what travels with it
// between the header gate (connection_gate.h) and a worker (gated_server.h): the bytes read
// ahead (the next request's headers, perhaps part of its body), the peer's address, how
// many requests it has carried, and its slot in the AddressLimiter. Destroying it closes the
// socket and gives the slot back, so no path can leak either.
//
// Thread-safety: owned by one thread at a time (moved through a unique_ptr).
#ifndef FERRY_SERVE_CLIENT_CONNECTION_H_
#define FERRY_SERVE_CLIENT_CONNECTION_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "serve/address_limiter.h"

namespace ferry::serve {

struct ClientConnection {
  ClientConnection(int fd, std::string peer_ip, int peer_port, AddressLimiter::Slot slot)
      : fd(fd), peer_ip(std::move(peer_ip)), peer_port(peer_port), slot(std::move(slot)) {}
  ~ClientConnection();
  ClientConnection(const ClientConnection&) = delete;
  ClientConnection& operator=(const ClientConnection&) = delete;

  // Bytes received but not consumed yet: buffer[consumed..].
  size_t buffered() const { return buffer.size() - consumed; }
  // Drops what was consumed so the buffer holds only unread bytes.
  void Compact();

  const int fd;  // non-blocking
  const std::string peer_ip;
  const int peer_port;
  AddressLimiter::Slot slot;
  std::string buffer;
  size_t consumed = 0;
  size_t requests_served = 0;
  // Monotonic ns: when the gate started waiting for the current request, and when its first
  // byte arrived (0: none yet). The gate's deadlines count from these.
  int64_t waiting_since_ns = 0;
  int64_t first_byte_ns = 0;
};

// Best-effort: writes a complete short HTTP response with a JSON error body and
// "Connection: close" without blocking (what does not fit in the socket buffer is dropped;
// the caller closes the connection next).
void SendErrorAndClose(int fd, int http_status, const char* reason, const std::string& message);

}  // namespace ferry::serve

#endif  // FERRY_SERVE_CLIENT_CONNECTION_H_
