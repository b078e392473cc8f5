// CurlHttpClient: the libcurl implementation of the HttpClient seam (include/ferry/http_client.h).
//
// Two paths, chosen by the URL's scheme:
// - http:// runs on the caller's thread (curl_easy_perform) with an easy handle taken from a
//   free list (LIFO: the warmest connections first) and returned afterwards; an easy handle
//   keeps its own keep-alive connections, so a handle that served host H before reuses its
//   connection to H on the next call, from any thread. This is HTTP/1.1 (what `ferry serve`
//   speaks), and a pull opens at most as many connections as it ever had requests in flight.
//   It stays off the multi path because HTTP/1.1 cannot multiplex: the connections would be
//   the same, and the multi path would only add a copy and a thread hand-off per chunk and
//   put every transfer's socket reads on one thread. (h2c, HTTP/2 without TLS, is not
//   asked for: no server ferry talks to offers it.)
// - https:// runs on one curl_multi handle driven by one thread (net/curl_multi_driver.h),
//   shared by every Send of this client: CURLMOPT_PIPELINING = CURLPIPE_MULTIPLEX with
//   CURLOPT_PIPEWAIT on each transfer, so where the server speaks HTTP/2 (ALPN) concurrent
//   requests to one host become streams of one connection instead of one connection each;
//   an HTTP/1.1-only server gets keep-alive connections from the multi's shared cache. At
//   most kMaxRequestsPerServer (64, the pull's cap) connections are open per host and in all;
//   transfers beyond that wait in libcurl's queue. Send keeps its synchronous contract: the
//   caller's thread waits for its transfer and runs the sink itself. The driver's write
//   callback only copies bytes into a bounded queue (net/body_queue.h, 1 MiB) that the
//   waiting Send drains into the sink; a full queue pauses the transfer
//   (CURL_WRITEFUNC_PAUSE) until the consumer has drained it (curl_easy_pause, on the driver
//   thread). So the hashing and disk writes of many downloads run on their own threads, in
//   parallel, and never on the driver.
// Both paths share one DNS cache and one TLS session cache (CURLSH); the easy handles' own
// connection caches are not shared because libcurl's shared connection cache is not safe
// across threads (the multi has its own).
//
// Behaviour (what callers may rely on):
// - Redirects are never followed: a 3xx comes back as a response with its Location header
//   (so no header of the request, a bearer token included, ever reaches another origin).
// - HTTP/2 is negotiated over TLS where the server offers it (and multiplexed, above); plain
//   http:// speaks HTTP/1.1. https:// servers are verified against options.ca_bundle when
//   set, else against the system's CA store.
// - No Accept-Encoding is sent unless request.accept_compressed: parquet is already compressed
//   and bytes must hash as served. With it, libcurl's list of the codings it was built with
//   (CURLOPT_ACCEPT_ENCODING "": gzip, deflate, and br / zstd where built) is sent and the
//   body is decoded before it reaches the sink.
// - A transfer with no byte moving (either way) for stall_timeout_ms fails with
//   "<METHOD> <url>: the peer stalled: no byte moved for <N> ms", detected within about a
//   second of the deadline; the clock starts when Send does (on the multi path: when libcurl
//   starts the transfer, so waiting in its queue for a connection is not a stall), so a
//   server that accepts and never answers is caught too. While ferry itself holds some
//   transfer of the multi path back (a consumer behind), no transfer of it counts as
//   stalled: with libcurl 7.x a paused HTTP/2 stream can hold up its connection's others.
//   A connect slower than connect_timeout_ms fails as well. A timeout <= 0 disables that
//   check (libcurl's 300 s connect default then applies). These, and every other transport
//   failure, are Status::Unavailable("<METHOD> <url>: <what happened>", retryable=true),
//   except a server certificate that fails verification (or an unreadable ca_bundle): the
//   same, retryable=false, with a hint at --cacert / $FERRY_CA_BUNDLE.
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
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ferry/http_client.h"
#include "net/curl_library.h"
#include "net/curl_multi_driver.h"

namespace ferry {

class CurlHttpClient : public HttpClient {
 public:
  explicit CurlHttpClient(std::string user_agent);
  explicit CurlHttpClient(HttpClientOptions options);
  ~CurlHttpClient() override;

  Result<HttpResponse> Send(const HttpRequest& request, const HttpBodySink& sink) override;

  // How many TCP connections this client has opened so far (the sum of CURLINFO_NUM_CONNECTS
  // over all transfers); the rest of the requests reused a kept-alive connection.
  uint64_t connections_opened() const { return connections_opened_.load(); }
  // How many easy handles exist (the peak number of concurrent requests so far).
  size_t handles_created() const;

 private:
  // The multi path's driver, started on the first https:// request (a client that only
  // speaks http:// never starts its thread); its error when it could not be.
  Result<CurlMultiDriver*> Driver();
  // `multi`: for the multi path. The two paths keep separate free lists because LIFO means
  // "the handle whose connection was used last" only on the http:// path: a multi-path
  // handle owns no connection (the multi does), and on top of the http:// list it would
  // push the warm handles down.
  CURL* AcquireHandle(bool multi);
  void ReleaseHandle(CURL* handle, bool multi);

  const HttpClientOptions options_;
  // libcurl's functions (net/curl_library.h); null when it could not be loaded, and then
  // every Send fails with load_error_.
  const CurlLibrary* curl_ = nullptr;
  Status load_error_;
  CURLSH* share_ = nullptr;
  // One mutex per curl_lock_data value, for the share's lock callbacks.
  std::vector<std::mutex> share_locks_;

  mutable std::mutex pool_mu_;
  std::vector<CURL*> free_handles_;        // guarded by pool_mu_
  std::vector<CURL*> free_multi_handles_;  // guarded by pool_mu_
  size_t handles_created_ = 0;             // guarded by pool_mu_

  std::atomic<uint64_t> connections_opened_{0};

  std::mutex driver_mu_;
  std::unique_ptr<CurlMultiDriver> driver_;  // guarded by driver_mu_ until set, then const
  Status driver_error_;                      // guarded by driver_mu_
};

}  // namespace ferry

#endif  // FERRY_NET_CURL_HTTP_CLIENT_H_
