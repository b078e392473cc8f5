#include "net/curl_http_client.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "net/body_queue.h"
#include "net/concurrency_controller.h"

namespace ferry {
namespace {

// How many body bytes one transfer on the multi path may have waiting for its consumer
// before the driver pauses it (net/body_queue.h). 1 MiB keeps a 64-transfer pull under
// ~100 MiB of queued bytes at worst (plus a chunk each), and is several HTTP/2 frames ahead
// of a sink that keeps up.
constexpr size_t kMaxQueuedBodyBytes = 1 << 20;

bool IsHttps(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (url.size() < kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(url[i])) != kScheme[i]) return false;
  }
  return true;
}

std::string Lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

bool HasHeader(const HttpRequest& request, std::string_view lower_name) {
  for (const auto& [name, value] : request.headers) {
    if (Lowercase(name) == lower_name) return true;
  }
  return false;
}

// State of one transfer, shared by the callbacks. On the easy path everything runs on the
// caller's thread. On the multi path the callbacks run on the driver thread and own every
// field but `sink_status` until the driver's on_done closes `queue`; the consumer (Send's
// thread) reads `head` after its first Take that brought bytes, and the rest after the Take
// that says closed (BodyQueue's mutex orders both).
struct Transfer {
  const CurlLibrary* curl = nullptr;
  CURL* handle = nullptr;
  // Stall detection: when bytes last moved (0: not yet started; the multi path starts the
  // clock when libcurl first runs the transfer), and how long without is too long.
  int64_t stall_timeout_ns = 0;
  int64_t last_progress_ns = 0;
  curl_off_t last_dlnow = 0;
  curl_off_t last_ulnow = 0;
  bool stalled = false;
  const HttpBodySink* sink = nullptr;
  HttpResponse response;
  bool status_known = false;
  Status sink_status;  // non-OK once the sink aborted the transfer
  // Multi path only.
  CurlMultiDriver* driver = nullptr;
  BodyQueue* queue = nullptr;
  HttpResponse head;  // status and headers as of the first body byte, for the sink
};

int64_t MonotonicNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// libcurl's own low-speed check averages over a window of several seconds, so a peer that
// sent a few bytes then went silent is caught only seconds late; this tracks the last byte
// instead. libcurl calls it often while data moves and about once a second when idle.
int OnProgress(void* userdata, curl_off_t /*dltotal*/, curl_off_t dlnow, curl_off_t /*ultotal*/,
               curl_off_t ulnow) {
  auto* t = static_cast<Transfer*>(userdata);
  const int64_t now = MonotonicNanos();
  // Multi path: a transfer that waited in libcurl's queue for a connection has not stalled,
  // and while ferry itself holds a transfer back (a consumer behind, see
  // net/curl_multi_driver.h) silence on a shared HTTP/2 connection can be ours.
  if (t->last_progress_ns == 0 || (t->driver != nullptr && t->driver->any_paused())) {
    t->last_progress_ns = now;
  }
  if (dlnow != t->last_dlnow || ulnow != t->last_ulnow) {
    t->last_dlnow = dlnow;
    t->last_ulnow = ulnow;
    t->last_progress_ns = now;
    return 0;
  }
  if (now - t->last_progress_ns > t->stall_timeout_ns) {
    t->stalled = true;
    return 1;  // CURLE_ABORTED_BY_CALLBACK
  }
  return 0;
}

std::string DurationText(int64_t ms) {
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

size_t OnHeader(char* data, size_t size, size_t nitems, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  const size_t n = size * nitems;
  std::string_view line(data, n);
  if (line.substr(0, 5) == "HTTP/") {
    // A new status line: an interim 1xx (100-continue) response's headers are not ours.
    t->response.headers.clear();
    return n;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;  // the blank line ending the headers
  t->response.headers[Lowercase(std::string(Trim(line.substr(0, colon))))] =
      std::string(Trim(line.substr(colon + 1)));
  return n;
}

// Reads the response's status once, when its first body bytes arrive; true the first time.
bool LearnStatus(Transfer* t) {
  if (t->status_known) return false;
  long code = 0;
  t->curl->easy_getinfo(t->handle, CURLINFO_RESPONSE_CODE, &code);
  t->response.status = static_cast<int>(code);
  t->status_known = true;
  return true;
}

size_t OnBody(char* data, size_t size, size_t nmemb, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  const size_t n = size * nmemb;
  LearnStatus(t);
  if (*t->sink == nullptr) {
    t->response.body.append(data, n);
    return n;
  }
  Status s = (*t->sink)(t->response, std::string_view(data, n));
  if (!s.ok()) {
    t->sink_status = std::move(s);
    return 0;  // CURLE_WRITE_ERROR: abort the transfer
  }
  return n;
}

// The multi path's write callback, on the driver thread: hands the bytes to the consumer's
// queue, or pauses the transfer while the queue is full (libcurl then delivers the same
// bytes again after the consumer's Resume).
size_t OnQueuedBody(char* data, size_t size, size_t nmemb, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  const size_t n = size * nmemb;
  if (LearnStatus(t)) t->head = t->response;  // before the first push: the consumer reads it after
  if (!t->queue->TryPush(std::string_view(data, n))) {
    t->driver->MarkPaused(t->handle);
    return CURL_WRITEFUNC_PAUSE;
  }
  return n;
}

// The multi path (net/curl_multi_driver.h): the transfer runs on the driver thread while
// this, on Send's thread, feeds the queued bytes to the sink until the driver is done with
// it; returns libcurl's result. A sink error cancels the transfer; the bytes still queued are
// then dropped.
CURLcode PerformOnDriver(Transfer* t, CurlMultiDriver* driver) {
  BodyQueue queue(kMaxQueuedBodyBytes);
  t->driver = driver;
  t->queue = &queue;
  t->curl->easy_setopt(t->handle, CURLOPT_WRITEFUNCTION, OnQueuedBody);
  // Wait for an HTTP/2 connection being set up to this host rather than open another.
  t->curl->easy_setopt(t->handle, CURLOPT_PIPEWAIT, 1L);
  CURLcode result = CURLE_OK;
  // On the driver thread, last: once the queue is closed this frame may be gone.
  driver->Add(t->handle, [&queue, &result](CURLcode rc) {
    result = rc;
    queue.Close();
  });
  std::string bytes;
  bool cancelled = false;
  for (;;) {
    const BodyQueue::Taken taken = queue.Take(&bytes);
    if (taken.closed) break;
    if (cancelled) continue;
    // Resumed before the sink runs, so the network refills the queue while the sink works.
    if (taken.resume) driver->Resume(t->handle);
    if (*t->sink == nullptr) {
      t->head.body.append(bytes);
      continue;
    }
    Status s = (*t->sink)(t->head, bytes);
    if (!s.ok()) {
      t->sink_status = std::move(s);
      cancelled = true;
      driver->Cancel(t->handle);
    }
  }
  t->response.body = std::move(t->head.body);
  return result;
}

void LockShare(CURL* /*handle*/, curl_lock_data data, curl_lock_access /*access*/, void* userptr) {
  auto* locks = static_cast<std::vector<std::mutex>*>(userptr);
  (*locks)[static_cast<size_t>(data)].lock();
}

void UnlockShare(CURL* /*handle*/, curl_lock_data data, void* userptr) {
  auto* locks = static_cast<std::vector<std::mutex>*>(userptr);
  (*locks)[static_cast<size_t>(data)].unlock();
}

struct SlistDeleter {
  const CurlLibrary* curl;
  void operator()(curl_slist* list) const { curl->slist_free_all(list); }
};

}  // namespace

CurlHttpClient::CurlHttpClient(std::string user_agent)
    : CurlHttpClient(HttpClientOptions{std::move(user_agent), ""}) {}

CurlHttpClient::CurlHttpClient(HttpClientOptions options)
    : options_(std::move(options)), share_locks_(CURL_LOCK_DATA_LAST + 1) {
  Result<const CurlLibrary*> loaded = LoadCurlLibrary();
  if (!loaded.ok()) {
    load_error_ = loaded.status();
    return;
  }
  curl_ = *loaded;
  share_ = curl_->share_init();
  if (share_ != nullptr) {
    curl_->share_setopt(share_, CURLSHOPT_LOCKFUNC, LockShare);
    curl_->share_setopt(share_, CURLSHOPT_UNLOCKFUNC, UnlockShare);
    curl_->share_setopt(share_, CURLSHOPT_USERDATA, &share_locks_);
    curl_->share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_->share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  }
}

CurlHttpClient::~CurlHttpClient() {
  // Every Send has returned its handle by now (destroying a client in use is a caller bug),
  // so the driver has no transfer left; it goes first, closing its connections.
  driver_.reset();
  for (const std::vector<CURL*>* pool : {&free_handles_, &free_multi_handles_}) {
    for (CURL* h : *pool) curl_->easy_cleanup(h);
  }
  if (share_ != nullptr) curl_->share_cleanup(share_);
}

size_t CurlHttpClient::handles_created() const {
  std::lock_guard<std::mutex> lock(pool_mu_);
  return handles_created_;
}

Result<CurlMultiDriver*> CurlHttpClient::Driver() {
  std::lock_guard<std::mutex> lock(driver_mu_);
  if (driver_ == nullptr && driver_error_.ok()) {
    Result<std::unique_ptr<CurlMultiDriver>> started =
        CurlMultiDriver::Start(curl_, static_cast<long>(kMaxRequestsPerServer));
    if (started.ok()) {
      driver_ = std::move(*started);
    } else {
      driver_error_ = started.status();
    }
  }
  if (!driver_error_.ok()) return driver_error_;
  return driver_.get();
}

CURL* CurlHttpClient::AcquireHandle(bool multi) {
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    std::vector<CURL*>& pool = multi ? free_multi_handles_ : free_handles_;
    if (!pool.empty()) {
      CURL* h = pool.back();  // LIFO: the warmest connections first
      pool.pop_back();
      return h;
    }
  }
  CURL* h = curl_->easy_init();
  if (h != nullptr) {
    std::lock_guard<std::mutex> lock(pool_mu_);
    ++handles_created_;
  }
  return h;
}

void CurlHttpClient::ReleaseHandle(CURL* handle, bool multi) {
  // curl_easy_reset keeps the live connections and caches; only options are forgotten.
  curl_->easy_reset(handle);
  std::lock_guard<std::mutex> lock(pool_mu_);
  (multi ? free_multi_handles_ : free_handles_).push_back(handle);
}

Result<HttpResponse> CurlHttpClient::Send(const HttpRequest& request, const HttpBodySink& sink) {
  const std::string what = request.method + " " + request.url;
  if (curl_ == nullptr) return Status(load_error_.code(), what + ": " + load_error_.message());
  const bool multi = IsHttps(request.url);
  CURL* h = AcquireHandle(multi);
  if (h == nullptr) return Status::Internal(what + ": curl_easy_init failed (out of memory?)");
  struct Releaser {
    CurlHttpClient* client;
    CURL* handle;
    bool multi;
    ~Releaser() { client->ReleaseHandle(handle, multi); }
  } releaser{this, h, multi};

  Transfer t;
  t.curl = curl_;
  t.handle = h;
  t.sink = &sink;
  char errbuf[CURL_ERROR_SIZE] = {0};

  curl_->easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_->easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_->easy_setopt(h, CURLOPT_USERAGENT, options_.user_agent.c_str());
  if (!options_.ca_bundle.empty()) {
    curl_->easy_setopt(h, CURLOPT_CAINFO, options_.ca_bundle.c_str());  // curl --cacert
  }
  curl_->easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  // Never follow: request.headers are raw headers that libcurl would send to whatever the
  // Location names, the catalog's token with them (net/bearer_token.h; for the same reason
  // CURLOPT_UNRESTRICTED_AUTH is never set).
  curl_->easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_->easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  curl_->easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_->easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
  curl_->easy_setopt(h, CURLOPT_BUFFERSIZE, 512L * 1024L);
  curl_->easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  if (request.accept_compressed) {
    // "": every coding this libcurl decodes, and automatic decoding (curl_easy_reset in
    // ReleaseHandle turns both off again for the next request on this handle).
    curl_->easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
  }
  if (share_ != nullptr) curl_->easy_setopt(h, CURLOPT_SHARE, share_);
  if (request.connect_timeout_ms > 0) {
    curl_->easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout_ms));
  }
  const int64_t stall_ms = request.stall_timeout_ms;
  if (stall_ms > 0) {
    t.stall_timeout_ns = stall_ms * 1000000;
    // The easy path runs now; the multi path starts the clock when libcurl starts it.
    if (!multi) t.last_progress_ns = MonotonicNanos();
    curl_->easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_->easy_setopt(h, CURLOPT_XFERINFOFUNCTION, OnProgress);
    curl_->easy_setopt(h, CURLOPT_XFERINFODATA, &t);
    // A backstop in case progress callbacks stop coming: libcurl's own (window-averaged,
    // whole-second) low-speed check, set looser than ours so ours normally fires first.
    curl_->easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_->easy_setopt(h, CURLOPT_LOW_SPEED_TIME, static_cast<long>(2 + (stall_ms + 999) / 1000));
  }

  curl_->easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_->easy_setopt(h, CURLOPT_HEADERDATA, &t);
  curl_->easy_setopt(h, CURLOPT_WRITEFUNCTION, OnBody);
  curl_->easy_setopt(h, CURLOPT_WRITEDATA, &t);

  std::string range;
  if (request.range_first.has_value()) {
    range = std::to_string(*request.range_first) + "-";
    if (request.range_last.has_value()) range += std::to_string(*request.range_last);
    curl_->easy_setopt(h, CURLOPT_RANGE, range.c_str());
  }

  std::unique_ptr<curl_slist, SlistDeleter> headers(nullptr, SlistDeleter{curl_});
  auto add_header = [this, &headers](const std::string& line) {
    curl_slist* next = curl_->slist_append(headers.get(), line.c_str());
    if (next != nullptr) {
      (void)headers.release();
      headers.reset(next);
    }
  };
  for (const auto& [name, value] : request.headers) {
    // "Name;" is libcurl's spelling of a header with an empty value ("Name:" removes it).
    add_header(value.empty() ? name + ";" : name + ": " + value);
  }

  // GET and HEAD never carry a body (POSTFIELDS would turn them into a POST).
  const bool sends_body =
      request.method == "PUT" || request.method == "POST" ||
      (!request.body.empty() && request.method != "GET" && request.method != "HEAD");
  if (request.method == "GET") {
    curl_->easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_->easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else {
    curl_->easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (sends_body) {
    curl_->easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    curl_->easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    // POSTFIELDS implies POST; CUSTOMREQUEST above keeps PUT/DELETE/... as asked.
    if (!HasHeader(request, "content-type")) add_header("Content-Type: application/octet-stream");
    add_header("Expect:");  // no 100-continue round trip (a second of latency per upload)
  }
  if (headers) curl_->easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());

  CURLcode rc = CURLE_OK;
  if (multi) {
    Result<CurlMultiDriver*> driver = Driver();
    if (!driver.ok()) {
      return Status(driver.status().code(), what + ": " + driver.status().message());
    }
    rc = PerformOnDriver(&t, *driver);
  } else {
    rc = curl_->easy_perform(h);
  }

  long connects = 0;
  if (curl_->easy_getinfo(h, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK && connects > 0) {
    connections_opened_.fetch_add(static_cast<uint64_t>(connects));
  }
  if (!t.sink_status.ok()) return t.sink_status;
  if (rc != CURLE_OK) {
    std::string detail = errbuf[0] != '\0' ? std::string(errbuf) : curl_->easy_strerror(rc);
    while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) detail.pop_back();
    if (t.stalled ||
        (rc == CURLE_OPERATION_TIMEDOUT && detail.rfind("Operation too slow", 0) == 0)) {
      detail = "the peer stalled: no byte moved for " + DurationText(stall_ms);
    }
    if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE) {
      // The same certificate will fail the same way on every retry: say so at once, and how
      // a private CA is trusted.
      return Status::Unavailable(what + ": " + detail +
                                     " (a server with a private CA needs its certificate: "
                                     "--cacert FILE or $FERRY_CA_BUNDLE)",
                                 /*retryable=*/false);
    }
    return Status::Unavailable(what + ": " + detail, /*retryable=*/true);
  }
  long code = 0;
  curl_->easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  t.response.status = static_cast<int>(code);
  return std::move(t.response);
}

std::unique_ptr<HttpClient> NewCurlHttpClient(const std::string& user_agent) {
  return std::make_unique<CurlHttpClient>(user_agent);
}

std::unique_ptr<HttpClient> NewCurlHttpClient(const HttpClientOptions& options) {
  return std::make_unique<CurlHttpClient>(options);
}

}  // namespace ferry
