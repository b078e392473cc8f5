#include "cli/exit_codes.h"

#include <cstdio>

namespace ferry::cli {

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return kExitOk;
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
      return kExitUsage;
    case StatusCode::kUnavailable:
    case StatusCode::kUnauthorized:
      return kExitUnreachable;
    case StatusCode::kConflict:
      return kExitNeedsHuman;
    case StatusCode::kBusy:
    case StatusCode::kRefused:
      return kExitRefused;
    default:
      return kExitPartial;
  }
}

int ReportFailure(const Status& status) {
  std::fprintf(stderr, "ferry: %s\n", status.message().c_str());
  return ExitCodeFor(status);
}

}  // namespace ferry::cli
