// FailureKind: what a failed push or verify attempt was, as far as the queue's retry policy
// cares. Produced by the classifiers (failure_class.h) from exit codes and stderr, read by the
// job rules (job_state.h); the table of what each kind does is in docs/PUSH.md.
//
// Thread-safety: plain values.
#ifndef FERRY_PUSH_FAILURE_KIND_H_
#define FERRY_PUSH_FAILURE_KIND_H_

#include <string_view>

namespace ferry::push {

enum class FailureKind {
  kAuth,               // the NAS refused our credentials: terminal, a person must fix the key
  kNetwork,            // the NAS could not be reached or the link broke: backoff and retry
  kHashMismatch,       // bytes arrived different: one immediate retry, then terminal
  kLocalFileVanished,  // the run (or a file of it) is gone locally: terminal
  kMissingBinary,      // rsync / ssh / rclone not installed: terminal
  kLocalIo,            // a local read failed (permission, I/O error): terminal
  kFatal,              // retrying cannot help (usage error, unknown remote, quota): terminal
  kOther,              // anything else: backoff and retry, like a network failure
};

// "auth", "network", "hash mismatch", "local file vanished", "missing binary", "local io",
// "fatal", "other": the prefix of a job's last_error.
std::string_view FailureKindName(FailureKind kind);

}  // namespace ferry::push

#endif  // FERRY_PUSH_FAILURE_KIND_H_
