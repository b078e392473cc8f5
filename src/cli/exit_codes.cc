#include "cli/exit_codes.h"

#include <cstdio>
#include <string>

#include "cli/command.h"

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

nlohmann::ordered_json FailureJson(const Status& status, int exit_code) {
  return {{"ok", false},
          {"error",
           {{"code", std::string(StatusCodeName(status.code()))},
            {"message", status.message()},
            {"exit_code", exit_code}}}};
}

int ReportFailure(const GlobalOptions& global, const Status& status, int exit_code) {
  std::fprintf(stderr, "ferry: %s\n", status.message().c_str());
  if (global.json) {
    // Messages may carry bytes from a file name or a peer that are not UTF-8; replacing them
    // keeps the document valid (the stderr line stays exact).
    std::printf("%s\n", FailureJson(status, exit_code)
                            .dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace)
                            .c_str());
  }
  return exit_code;
}

int ReportFailure(const GlobalOptions& global, const Status& status) {
  return ReportFailure(global, status, ExitCodeFor(status));
}

}  // namespace ferry::cli
