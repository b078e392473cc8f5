// ScriptedHttpClient: a fake HttpClient for logic tests. Each (method, url) pair is given a
// script of replies, consumed in order, the last one repeating; every request is recorded so
// a test can assert what was sent (ninja's "fakes record what happened").
//
// Fidelity to a real server, so engines are tested against realistic answers:
// - A reply with supports_range answers a request carrying range_first with 206, the slice
//   [first, min(last, size-1)], Content-Range "bytes a-b/N" and Content-Length; a range
//   starting at or past the end gets 416 with "bytes */N". Without supports_range the Range is
//   ignored and the whole body is sent with the scripted status (the "200 means start over"
//   case of docs/PROTOCOL.md).
// - Content-Length is added (if not scripted) for the body actually sent; HEAD sends none.
// - The body reaches the sink in chunks of chunk_size() bytes, after the status and headers,
//   like the curl client; with fail_after_bytes N smaller than the body being sent, the first
//   N bytes are delivered and then a retryable kUnavailable transport error is returned ("a
//   connection dropped mid-body"); N at or past the end has no effect.
// - A reply with transport_error returns that Status and delivers nothing.
// - A (method, url) with no script answers 404 with the body "not scripted: <method> <url>".
// - A sink error aborts delivery and is returned unchanged.
// Header names in replies may be written in any case; they are lowercased on delivery.
//
// Thread-safety: Script/Send/requests may be called concurrently; the sink is called without
// the lock held.
#ifndef FERRY_NET_SCRIPTED_HTTP_CLIENT_H_
#define FERRY_NET_SCRIPTED_HTTP_CLIENT_H_

#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ferry/http_client.h"

namespace ferry {

struct ScriptedResponse {
  int status = 200;
  std::map<std::string, std::string> headers;
  std::string body;
  std::optional<Status> transport_error;
  std::optional<size_t> fail_after_bytes;
  bool supports_range = false;
};

class ScriptedHttpClient : public HttpClient {
 public:
  ScriptedHttpClient() = default;

  // Replaces any script for (method, url). `replies` must not be empty.
  void Script(std::string method, std::string url, std::vector<ScriptedResponse> replies);
  // Shorthand: one reply, 200 with `body`, that supports ranges.
  void ScriptBody(std::string url, std::string body);

  Result<HttpResponse> Send(const HttpRequest& request, const HttpBodySink& sink) override;

  // Every request received so far, in arrival order (copies).
  std::vector<HttpRequest> requests() const;
  // How many requests had this method and URL.
  size_t CountRequests(const std::string& method, const std::string& url) const;

  void set_chunk_size(size_t n) { chunk_size_ = n == 0 ? 1 : n; }
  size_t chunk_size() const { return chunk_size_; }

 private:
  struct ScriptState {
    std::vector<ScriptedResponse> replies;
    size_t next = 0;
  };

  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, ScriptState> scripts_;  // guarded by mu_
  std::vector<HttpRequest> requests_;                                   // guarded by mu_
  size_t chunk_size_ = 64 * 1024;
};

}  // namespace ferry

#endif  // FERRY_NET_SCRIPTED_HTTP_CLIENT_H_
