// SteadyNowNs: the monotonic clock the connection gate measures its deadlines on.
//
// One definition for the gate, its streams and the server (they compare each other's
// readings). Issue 10 part 2 puts serve's clocks behind a seam; this is the one place to
// change for the gate when it does.
//
// Thread-safety: a pure read of the clock.
#ifndef FERRY_SERVE_STEADY_NOW_H_
#define FERRY_SERVE_STEADY_NOW_H_

#include <chrono>
#include <cstdint>

namespace ferry::serve {

inline int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace ferry::serve

#endif  // FERRY_SERVE_STEADY_NOW_H_
