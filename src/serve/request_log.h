// RequestLog: what the one access-log line of a request says (method, path, user, status,
// bytes, ms). httplib runs a request's routing, its content provider and the logger callback
// on the same worker thread, so the record lives in a thread-local: the pre-routing hook
// starts it, handlers fill in the user and streamed bytes, the logger prints and clears it.
//
// Thread-safety: each thread sees only its own record.
#ifndef FERRY_SERVE_REQUEST_LOG_H_
#define FERRY_SERVE_REQUEST_LOG_H_

#include <cstdint>
#include <string>

namespace ferry::serve {

struct RequestLog {
  int64_t start_ns = 0;         // monotonic; 0 when the request never reached routing
  std::string user;             // "-" until authenticated
  uint64_t streamed_bytes = 0;  // body bytes written by a content provider
  bool streamed = false;

  static RequestLog& Current();
  void Begin(int64_t now_ns);
};

}  // namespace ferry::serve

#endif  // FERRY_SERVE_REQUEST_LOG_H_
