// The exit codes of the `ferry` binary, documented in the README. Every command maps its
// outcome through these; nothing else returns a bare number.
#ifndef FERRY_CLI_EXIT_CODES_H_
#define FERRY_CLI_EXIT_CODES_H_

#include <nlohmann/json.hpp>

#include "ferry/status.h"

namespace ferry::cli {

struct GlobalOptions;

enum ExitCode : int {
  kExitOk = 0,           // everything asked for was done
  kExitPartial = 1,      // some entries failed (the rest were done), or a check mismatched
  kExitUsage = 2,        // bad arguments, bad config, bad input file
  kExitUnreachable = 3,  // a peer cannot be reached or refuses our credentials
  kExitNeedsHuman = 4,   // unresolved conflicts: a person must decide
  kExitRefused = 5,      // refused for safety (lock held, interlock, would lose data)
};

// The exit code for a command that failed as a whole with `status`.
int ExitCodeFor(const Status& status);

// The --json document of a command that failed as a whole (README "--json"):
//   {"ok": false, "error": {"code": "<StatusCodeName>", "message": "<the stderr line's text>",
//                           "exit_code": N}}
nlohmann::ordered_json FailureJson(const Status& status, int exit_code);

// Prints "ferry: <message>" on one line to stderr and returns `exit_code`; with --json, also
// prints FailureJson on stdout, so a script reading stdout always gets a document.
int ReportFailure(const GlobalOptions& global, const Status& status, int exit_code);
// The same with ExitCodeFor(status).
int ReportFailure(const GlobalOptions& global, const Status& status);

}  // namespace ferry::cli

#endif  // FERRY_CLI_EXIT_CODES_H_
