// RemoteAttempt: what one run of rsync / ssh / rclone came to, as the job rules need it: done,
// cancelled (the worker is stopping: not a failure, the job is replayed), or failed with a
// classification (failure_class.h) that decides retry or terminal.
//
// Thread-safety: plain values and pure functions.
#ifndef FERRY_PUSH_REMOTE_ATTEMPT_H_
#define FERRY_PUSH_REMOTE_ATTEMPT_H_

#include <string_view>

#include "ferry/command_runner.h"
#include "ferry/status.h"
#include "push/failure_class.h"

namespace ferry::push {

struct RemoteAttempt {
  enum class Outcome { kDone, kCancelled, kFailed };
  Outcome outcome = Outcome::kFailed;
  Classification failure;  // set when kFailed
  CommandResult result;    // what the program did (empty when it could not start)

  bool done() const { return outcome == Outcome::kDone; }
};

using Classifier = Classification (*)(const CommandResult&);

// The attempt a CommandRunner::Run answer amounts to: a start failure is classified by
// ClassifyStartFailure(program), a finished run that is not ok() by `classify`.
RemoteAttempt ToRemoteAttempt(const Result<CommandResult>& run, std::string_view program,
                              Classifier classify);

}  // namespace ferry::push

#endif  // FERRY_PUSH_REMOTE_ATTEMPT_H_
