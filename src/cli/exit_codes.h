// The exit codes of the `ferry` binary, documented in the README. Every command maps its
// outcome through these; nothing else returns a bare number.
#ifndef FERRY_CLI_EXIT_CODES_H_
#define FERRY_CLI_EXIT_CODES_H_

#include "ferry/status.h"

namespace ferry::cli {

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

// Prints "ferry: <message>" on one line to stderr and returns ExitCodeFor(status).
int ReportFailure(const Status& status);

}  // namespace ferry::cli

#endif  // FERRY_CLI_EXIT_CODES_H_
