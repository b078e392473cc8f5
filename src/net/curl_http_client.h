// CurlHttpClient: the libcurl implementation of the HttpClient seam (include/ferry/http_client.h).
//
// Connections: each in-flight request uses one CURL easy handle taken from a free list and
// returned afterwards; an easy handle keeps its own keep-alive connections, so a handle that
// served host H before reuses its connection to H on the next call, from any thread. The
// handles share one DNS cache and one TLS session cache (CURLSH); the connection cache itself
// is not shared because libcurl's shared connection cache is not safe across threads.
//
// Behaviour (what callers may rely on):
// - Redirects are never followed: a 3xx comes back as a response with its Location header
//   (so no header of the request, a bearer token included, ever reaches another origin).
// - HTTP/2 is negotiated over TLS where the server offers it; plain http:// speaks HTTP/1.1.
// - No Accept-Encoding is sent unless request.accept_compressed: parquet is already compressed
//   and bytes must hash as served. With it, libcurl's list of the codings it was built with
//   (CURLOPT_ACCEPT_ENCODING "": gzip, deflate, and br / zstd where built) is sent and the
//   body is decoded before it reaches the sink.
// - A transfer with no byte moving (either way) for stall_timeout_ms fails with
//   "<METHOD> <url>: the peer stalled: no byte moved for <N> ms", detected within about a
//   second of the deadline; the clock starts when Send does, so a server that accepts and
//   never answers is caught too. A connect slower than connect_timeout_ms fails as well.
//   A timeout <= 0 disables that check (libcurl's 300 s connect default then applies).
//   These, and every other transport failure, are
//   Status::Unavailable("<METHOD> <url>: <what happened>", retryable=true).
// - A sink that returns an error aborts the transfer and Send returns that Status unchanged.
// - Response header names are lowercased; headers of interim 1xx responses are discarded.
// - A PUT/POST without a Content-Type header is sent as application/octet-stream, and no
//   "Expect: 100-continue" round trip is made.
//
// Thread-safety: Send() may be called concurrently from any number of threads.
#ifndef FERRY_NET_CURL_HTTP_CLIENT_H_
#define FERRY_NET_CURL_HTTP_CLIENT_H_

#include <curl/curl.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "ferry/http_client.h"
#include "net/curl_library.h"

namespace ferry {

class CurlHttpClient : public HttpClient {
 public:
  explicit CurlHttpClient(std::string user_agent);
  ~CurlHttpClient() override;

  Result<HttpResponse> Send(const HttpRequest& request, const HttpBodySink& sink) override;

  // How many TCP connections this client has opened so far (the sum of CURLINFO_NUM_CONNECTS
  // over all transfers); the rest of the requests reused a kept-alive connection.
  uint64_t connections_opened() const { return connections_opened_.load(); }
  // How many easy handles exist (the peak number of concurrent requests so far).
  size_t handles_created() const;

 private:
  CURL* AcquireHandle();
  void ReleaseHandle(CURL* handle);

  const std::string user_agent_;
  // libcurl's functions (net/curl_library.h); null when it could not be loaded, and then
  // every Send fails with load_error_.
  const CurlLibrary* curl_ = nullptr;
  Status load_error_;
  CURLSH* share_ = nullptr;
  // One mutex per curl_lock_data value, for the share's lock callbacks.
  std::vector<std::mutex> share_locks_;

  mutable std::mutex pool_mu_;
  std::vector<CURL*> free_handles_;  // guarded by pool_mu_
  size_t handles_created_ = 0;       // guarded by pool_mu_

  std::atomic<uint64_t> connections_opened_{0};
};

}  // namespace ferry

#endif  // FERRY_NET_CURL_HTTP_CLIENT_H_
