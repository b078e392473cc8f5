// HttpClient: the seam between ferry and HTTP peers (the catalog server, object stores).
//
// One request at a time per call; a client may be shared by many threads (the libcurl
// implementation keeps a pool of keep-alive connections, one easy handle per in-flight
// request, and reuses them across calls). Bodies are streamed to a sink as they arrive, so a
// download never sits in memory whole; small bodies (manifests) are collected with a size cap.
//
// Policy that belongs to the caller, not the client: retries, backoff, what a status code
// means. The client only reports what happened: a response (any status, including 3xx, which
// is never followed) or a transport error as a retryable kUnavailable Status naming the URL.
//
// Thread-safety: Send() may be called concurrently.
#ifndef FERRY_HTTP_CLIENT_H_
#define FERRY_HTTP_CLIENT_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ferry/status.h"

namespace ferry {

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // absolute: http://host:port/path?query
  // Extra headers, e.g. {"Authorization", "Bearer ..."}, {"If-None-Match", "\"abc\""}.
  std::vector<std::pair<std::string, std::string>> headers;
  // Range: bytes=<first>-[<last>]. Unset: no Range header.
  std::optional<uint64_t> range_first;
  std::optional<uint64_t> range_last;
  std::string body;  // sent for PUT/POST when non-empty
  // True: Accept-Encoding lists every coding the client can decode, and the body reaches the
  // sink decoded (the response's content-encoding header still says what came over the
  // wire). For text bodies (manifests, bundles); never for parquet, which is compressed
  // already and must hash as served. A body cap then counts decoded bytes.
  bool accept_compressed = false;
  // Abort when no byte moved for this long (a dead peer), and the connect timeout.
  int64_t stall_timeout_ms = 30000;
  int64_t connect_timeout_ms = 10000;
};

struct HttpResponse {
  int status = 0;
  // Header names lowercased; the last value wins for repeated headers.
  std::map<std::string, std::string> headers;
  std::string body;  // only filled by SendAndCollect / when no sink is given

  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// Receives the body. Called with the status and headers known (`response` has them) before
// the first chunk. Returning a non-OK Status aborts the transfer; Send then returns that
// Status unchanged.
using HttpBodySink = std::function<Status(const HttpResponse& response, std::string_view chunk)>;

class HttpClient {
 public:
  HttpClient() = default;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  virtual ~HttpClient() = default;

  // Sends the request, streaming the body to `sink`. Returns the response's status and
  // headers (body empty) or a transport error.
  virtual Result<HttpResponse> Send(const HttpRequest& request, const HttpBodySink& sink) = 0;
};

// Sends and collects the body in memory; a body larger than max_body_bytes aborts the
// transfer with kInvalidArgument ("response body of <url> exceeds N bytes").
Result<HttpResponse> SendAndCollect(HttpClient* client, const HttpRequest& request,
                                    uint64_t max_body_bytes);

struct HttpClientOptions {
  std::string user_agent = "ferry";  // sent on every request
  // A PEM file of CA certificates that https:// servers are verified against, instead of the
  // system's store (curl --cacert; `ferry pull --cacert`, $FERRY_CA_BUNDLE). Empty: the
  // system's.
  std::string ca_bundle;
};

// The libcurl client (src/net/curl_http_client.h).
std::unique_ptr<HttpClient> NewCurlHttpClient(const std::string& user_agent = "ferry");
std::unique_ptr<HttpClient> NewCurlHttpClient(const HttpClientOptions& options);

}  // namespace ferry

#endif  // FERRY_HTTP_CLIENT_H_
