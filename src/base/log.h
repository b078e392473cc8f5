// Logging: spdlog to stderr, one line per event, for people watching a run. Machine-readable
// output (--json, --events) never goes through the log.
//
// Verbosity: -1 quiet (errors only), 0 default (warnings and notices), 1 -v (info), 2 -vv
// (debug). Call InitLogging once, from main, before any thread starts.
#ifndef FERRY_BASE_LOG_H_
#define FERRY_BASE_LOG_H_

#include <spdlog/spdlog.h>

namespace ferry {

void InitLogging(int verbosity);

}  // namespace ferry

#endif  // FERRY_BASE_LOG_H_
