#include "net/curl_multi_driver.h"

#include <poll.h>

#include <utility>

namespace ferry {
namespace {

// How long the driver sleeps at most while transfers run. libcurl wakes it for socket events
// and its own timers anyway; the cap keeps progress callbacks (the stall check in
// curl_http_client.cc) coming several times a second on a silent connection.
constexpr int kBusyPollMs = 250;
// With nothing running the driver only waits for Add (which wakes it).
constexpr int kIdlePollMs = 60000;

}  // namespace

Result<std::unique_ptr<CurlMultiDriver>> CurlMultiDriver::Start(const CurlLibrary* curl,
                                                                long max_connections) {
  CURLM* multi = curl->multi_init();
  if (multi == nullptr) return Status::Internal("curl_multi_init failed (out of memory?)");
  curl->multi_setopt(multi, CURLMOPT_PIPELINING, static_cast<long>(CURLPIPE_MULTIPLEX));
  curl->multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, max_connections);
  curl->multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, max_connections);
  // The idle-connection cache: libcurl's default is 4 per easy handle in the multi, and a
  // handle leaves the multi after each transfer, so it would close most idle connections to
  // an HTTP/1.1-only server between tables; keep as many as may be open.
  curl->multi_setopt(multi, CURLMOPT_MAXCONNECTS, max_connections);
  return std::unique_ptr<CurlMultiDriver>(new CurlMultiDriver(curl, multi));
}

CurlMultiDriver::CurlMultiDriver(const CurlLibrary* curl, CURLM* multi)
    : curl_(curl), multi_(multi) {
  thread_ = std::thread([this] { Loop(); });
}

CurlMultiDriver::~CurlMultiDriver() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  curl_->multi_wakeup(multi_);
  thread_.join();
  curl_->multi_cleanup(multi_);
}

void CurlMultiDriver::Add(CURL* easy, DoneCallback on_done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    commands_.push_back({Command::Kind::kAdd, easy, std::move(on_done)});
  }
  curl_->multi_wakeup(multi_);
}

void CurlMultiDriver::Resume(CURL* easy) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    commands_.push_back({Command::Kind::kResume, easy, nullptr});
  }
  curl_->multi_wakeup(multi_);
}

void CurlMultiDriver::Cancel(CURL* easy) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    commands_.push_back({Command::Kind::kCancel, easy, nullptr});
  }
  curl_->multi_wakeup(multi_);
}

void CurlMultiDriver::MarkPaused(CURL* easy) {
  auto it = running_.find(easy);
  if (it == running_.end() || it->second.paused) return;
  it->second.paused = true;
  ++paused_count_;
}

void CurlMultiDriver::Loop() {
  for (;;) {
    RunCommands();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    int still_running = 0;
    CURLMcode mc = curl_->multi_perform(multi_, &still_running);
    int left = 0;
    while (CURLMsg* msg = curl_->multi_info_read(multi_, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      // Copied out: the message does not survive curl_multi_remove_handle.
      CURL* easy = msg->easy_handle;
      const CURLcode result = msg->data.result;
      Finish(easy, result);
    }
    if (mc == CURLM_OK) {
      mc = curl_->multi_poll(multi_, nullptr, 0, running_.empty() ? kIdlePollMs : kBusyPollMs,
                             nullptr);
    }
    // A failure of the multi handle itself (out of memory, a broken wakeup pipe) would leave
    // every waiting Send waiting forever: end them all with an error instead (the next
    // transfers try again), and do not spin while it lasts.
    if (mc != CURLM_OK) {
      FailAll(mc == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY : CURLE_FAILED_INIT);
      poll(nullptr, 0, kBusyPollMs);
    }
  }
}

void CurlMultiDriver::FailAll(CURLcode result) {
  std::vector<CURL*> running;
  running.reserve(running_.size());
  for (const auto& [easy, r] : running_) running.push_back(easy);
  for (CURL* easy : running) Finish(easy, result);
}

void CurlMultiDriver::RunCommands() {
  std::vector<Command> commands;
  {
    std::lock_guard<std::mutex> lock(mu_);
    commands.swap(commands_);
  }
  for (Command& c : commands) {
    switch (c.kind) {
      case Command::Kind::kAdd: {
        if (curl_->multi_add_handle(multi_, c.easy) != CURLM_OK) {
          c.on_done(CURLE_FAILED_INIT);
          break;
        }
        running_[c.easy] = Running{std::move(c.on_done), false};
        break;
      }
      case Command::Kind::kResume: {
        auto it = running_.find(c.easy);
        if (it == running_.end() || !it->second.paused) break;
        // Unmarked before the call: curl_easy_pause delivers the held-back chunk from inside
        // it, and the write callback may pause (and MarkPaused) again right there.
        it->second.paused = false;
        --paused_count_;
        curl_->easy_pause(c.easy, CURLPAUSE_CONT);
        break;
      }
      case Command::Kind::kCancel:
        Finish(c.easy, CURLE_ABORTED_BY_CALLBACK);
        break;
    }
  }
}

void CurlMultiDriver::Finish(CURL* easy, CURLcode result) {
  auto it = running_.find(easy);
  if (it == running_.end()) return;  // already done (a Cancel that came too late)
  curl_->multi_remove_handle(multi_, easy);
  if (it->second.paused) --paused_count_;
  DoneCallback on_done = std::move(it->second.on_done);
  running_.erase(it);
  on_done(result);
}

}  // namespace ferry
