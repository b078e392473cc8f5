#include "net/curl_http_client.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace ferry {
namespace {

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

// State of one transfer, shared by the callbacks.
struct Transfer {
  const CurlLibrary* curl = nullptr;
  CURL* handle = nullptr;
  // Stall detection: when bytes last moved, and how long without is too long.
  int64_t stall_timeout_ns = 0;
  int64_t last_progress_ns = 0;
  curl_off_t last_dlnow = 0;
  curl_off_t last_ulnow = 0;
  bool stalled = false;
  const HttpBodySink* sink = nullptr;
  HttpResponse response;
  bool status_known = false;
  Status sink_status;  // non-OK once the sink aborted the transfer
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

size_t OnBody(char* data, size_t size, size_t nmemb, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  const size_t n = size * nmemb;
  if (!t->status_known) {
    long code = 0;
    t->curl->easy_getinfo(t->handle, CURLINFO_RESPONSE_CODE, &code);
    t->response.status = static_cast<int>(code);
    t->status_known = true;
  }
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
    : user_agent_(std::move(user_agent)), share_locks_(CURL_LOCK_DATA_LAST + 1) {
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
  // Every Send has returned its handle by now (destroying a client in use is a caller bug).
  for (CURL* h : free_handles_) curl_->easy_cleanup(h);
  if (share_ != nullptr) curl_->share_cleanup(share_);
}

size_t CurlHttpClient::handles_created() const {
  std::lock_guard<std::mutex> lock(pool_mu_);
  return handles_created_;
}

CURL* CurlHttpClient::AcquireHandle() {
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!free_handles_.empty()) {
      CURL* h = free_handles_.back();  // LIFO: the warmest connections first
      free_handles_.pop_back();
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

void CurlHttpClient::ReleaseHandle(CURL* handle) {
  // curl_easy_reset keeps the live connections and caches; only options are forgotten.
  curl_->easy_reset(handle);
  std::lock_guard<std::mutex> lock(pool_mu_);
  free_handles_.push_back(handle);
}

Result<HttpResponse> CurlHttpClient::Send(const HttpRequest& request, const HttpBodySink& sink) {
  const std::string what = request.method + " " + request.url;
  if (curl_ == nullptr) return Status(load_error_.code(), what + ": " + load_error_.message());
  CURL* h = AcquireHandle();
  if (h == nullptr) return Status::Internal(what + ": curl_easy_init failed (out of memory?)");
  struct Releaser {
    CurlHttpClient* client;
    CURL* handle;
    ~Releaser() { client->ReleaseHandle(handle); }
  } releaser{this, h};

  Transfer t;
  t.curl = curl_;
  t.handle = h;
  t.sink = &sink;
  char errbuf[CURL_ERROR_SIZE] = {0};

  curl_->easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_->easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_->easy_setopt(h, CURLOPT_USERAGENT, user_agent_.c_str());
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
    t.last_progress_ns = MonotonicNanos();
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

  const CURLcode rc = curl_->easy_perform(h);

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

}  // namespace ferry
