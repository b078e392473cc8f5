#include "push/remote_attempt.h"

namespace ferry::push {

RemoteAttempt ToRemoteAttempt(const Result<CommandResult>& run, std::string_view program,
                              Classifier classify) {
  RemoteAttempt attempt;
  if (!run.ok()) {
    attempt.outcome = RemoteAttempt::Outcome::kFailed;
    attempt.failure = ClassifyStartFailure(run.status(), program);
    return attempt;
  }
  attempt.result = *run;
  if (run->ok()) {
    attempt.outcome = RemoteAttempt::Outcome::kDone;
  } else if (run->cancelled) {
    attempt.outcome = RemoteAttempt::Outcome::kCancelled;
  } else {
    attempt.outcome = RemoteAttempt::Outcome::kFailed;
    attempt.failure = classify(*run);
  }
  return attempt;
}

}  // namespace ferry::push
