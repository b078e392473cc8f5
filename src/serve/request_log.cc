#include "serve/request_log.h"

namespace ferry::serve {

RequestLog& RequestLog::Current() {
  thread_local RequestLog log;
  return log;
}

void RequestLog::Begin(int64_t now_ns) {
  start_ns = now_ns;
  user.assign(1, '-');
  streamed_bytes = 0;
  streamed = false;
}

}  // namespace ferry::serve
