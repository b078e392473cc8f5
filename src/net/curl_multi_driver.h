// CurlMultiDriver: one curl_multi handle and the one thread that drives it, so that transfers
// started from many threads can share connections; over HTTP/2 they share one connection as
// concurrent streams (multiplexing). Used by CurlHttpClient for https:// (net/curl_http_client.h
// says which requests go this way and why).
//
// The multi handle is configured for multiplexing and a bounded connection count:
// CURLMOPT_PIPELINING = CURLPIPE_MULTIPLEX, and both CURLMOPT_MAX_HOST_CONNECTIONS and
// CURLMOPT_MAX_TOTAL_CONNECTIONS = max_connections (a transfer beyond them waits in libcurl's
// queue for a connection instead of opening one). An easy handle added here should set
// CURLOPT_PIPEWAIT, so that while the first connection to a host is being set up, the
// transfers behind it wait to learn whether it speaks h2 (then they become its streams)
// instead of each opening a connection of its own.
//
// Lifecycle of one transfer: Add(easy, on_done) from any thread; the driver adds the handle
// to the multi on its thread, and every callback of the handle (write, header, progress) then
// runs on the driver thread. When libcurl is done with it, or Cancel() was asked for, the
// driver removes the handle from the multi and calls on_done(result) on the driver thread;
// after on_done returns the driver never touches the handle or on_done again, so on_done may
// release whatever the callbacks use (it usually wakes the thread waiting in Send). Should
// the multi handle itself fail (curl_multi_perform / curl_multi_poll: out of memory), every
// running transfer is done at once with CURLE_OUT_OF_MEMORY or CURLE_FAILED_INIT rather than
// left waiting.
//
// Pausing: a write callback that returns CURL_WRITEFUNC_PAUSE (its consumer is behind) calls
// MarkPaused(easy) first; Resume(easy) from the consumer's thread later unpauses it on the
// driver thread (curl_easy_pause may only be called there: an easy handle belongs to one
// thread at a time). any_paused() tells a progress callback that some transfer is held back
// by ferry itself: with libcurl 7.x, a paused HTTP/2 stream can hold back the other streams of
// its connection, so silence on the wire is then not proof of a dead peer.
//
// Thread-safety: Add, Resume and Cancel may be called from any thread (they queue a command
// and wake the driver with curl_multi_wakeup); MarkPaused and any_paused only on the driver
// thread, i.e. from a callback of a transfer. Destroy the driver only when no transfer is in
// flight (no Send running); the destructor stops and joins the thread.
#ifndef FERRY_NET_CURL_MULTI_DRIVER_H_
#define FERRY_NET_CURL_MULTI_DRIVER_H_

#include <curl/curl.h>

#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "ferry/status.h"
#include "net/curl_library.h"

namespace ferry {

class CurlMultiDriver {
 public:
  // Creates the multi handle and starts the thread; kInternal when libcurl cannot make a
  // multi handle.
  static Result<std::unique_ptr<CurlMultiDriver>> Start(const CurlLibrary* curl,
                                                        long max_connections);
  ~CurlMultiDriver();
  CurlMultiDriver(const CurlMultiDriver&) = delete;
  CurlMultiDriver& operator=(const CurlMultiDriver&) = delete;

  using DoneCallback = std::function<void(CURLcode result)>;
  // Runs the fully configured `easy` on the driver; `on_done` as described above. A handle
  // libcurl refuses to add is done at once with CURLE_FAILED_INIT.
  void Add(CURL* easy, DoneCallback on_done);
  // Unpauses `easy` if it is still running and marked paused; a no-op otherwise.
  void Resume(CURL* easy);
  // Stops `easy` if it is still running: removed from the multi (over HTTP/2 only its stream
  // is reset; the connection stays), then on_done(CURLE_ABORTED_BY_CALLBACK).
  void Cancel(CURL* easy);

  // Driver thread only.
  void MarkPaused(CURL* easy);
  bool any_paused() const { return paused_count_ > 0; }

 private:
  CurlMultiDriver(const CurlLibrary* curl, CURLM* multi);
  void Loop();
  void RunCommands();
  // Removes `easy` from the multi and calls its on_done(result). Driver thread only.
  void Finish(CURL* easy, CURLcode result);
  // Finishes every running transfer with `result`. Driver thread only.
  void FailAll(CURLcode result);

  struct Command {
    enum class Kind { kAdd, kResume, kCancel } kind;
    CURL* easy;
    DoneCallback on_done;  // kAdd only
  };
  struct Running {
    DoneCallback on_done;
    bool paused = false;
  };

  const CurlLibrary* const curl_;
  CURLM* const multi_;

  std::mutex mu_;
  std::vector<Command> commands_;  // guarded by mu_
  bool stopping_ = false;          // guarded by mu_

  // Driver thread only.
  std::unordered_map<CURL*, Running> running_;
  int paused_count_ = 0;

  std::thread thread_;  // last: started when everything above exists
};

}  // namespace ferry

#endif  // FERRY_NET_CURL_MULTI_DRIVER_H_
