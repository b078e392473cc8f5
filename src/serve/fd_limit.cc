#include "serve/fd_limit.h"

#include <sys/resource.h>

#include <algorithm>

namespace ferry::serve {

size_t RaiseOpenFileLimit() {
  struct rlimit rl;
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;  // the usual default
  const rlim_t want = std::min<rlim_t>(rl.rlim_max, rlim_t{1} << 20);
  if (rl.rlim_cur < want) {
    struct rlimit raised = rl;
    raised.rlim_cur = want;
    // A refusal leaves the old limit, which the cap below then respects.
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) rl.rlim_cur = want;
  }
  return rl.rlim_cur == RLIM_INFINITY ? (size_t{1} << 20) : static_cast<size_t>(rl.rlim_cur);
}

size_t ConnectionsForOpenFileLimit(size_t open_file_limit) {
  return open_file_limit > kReservedDescriptors + 16 ? open_file_limit - kReservedDescriptors : 16;
}

}  // namespace ferry::serve
