#include "serve/client_connection.h"

#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

namespace ferry::serve {

namespace {

// Reads and drops what the client already sent: closing a socket with unread bytes makes the
// kernel send a reset, which can destroy a response the client has not read yet.
void DrainReceived(int fd) {
  char sink[4096];
  for (int i = 0; i < 16 && ::recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0; ++i) {
  }
}

}  // namespace

ClientConnection::~ClientConnection() {
  DrainReceived(fd);
  ::shutdown(fd, SHUT_WR);
  ::close(fd);
}

void ClientConnection::Compact() {
  buffer.erase(0, consumed);
  consumed = 0;
}

void SendErrorAndClose(int fd, int http_status, const char* reason, const std::string& message) {
  const std::string body = nlohmann::json{{"error", message}}.dump(
                               -1, ' ', false, nlohmann::json::error_handler_t::replace) +
                           "\n";
  std::string response =
      "HTTP/1.1 " + std::to_string(http_status) + " " + reason +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n";
  if (http_status == 429 || http_status == 503) response += "Retry-After: 1\r\n";
  response += "\r\n" + body;
  DrainReceived(fd);
  // MSG_DONTWAIT: the accept thread and the gate must never wait on a client.
  const ssize_t n = ::send(fd, response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  (void)n;  // best effort: a client that does not read gets only the close
  ::shutdown(fd, SHUT_WR);
}

}  // namespace ferry::serve
