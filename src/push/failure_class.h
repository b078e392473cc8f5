// Failure classifiers: turn what rsync, ssh and rclone did (exit code, stderr) into a
// FailureKind the queue's retry policy acts on, plus the one stderr line that says why.
//
// Order of the checks, first match wins (the table is in docs/PUSH.md):
// 1. the program could not be started (not on PATH): missing binary;
// 2. timed out: network (a stalled link);
// 3. stderr patterns: remote authentication ("Permission denied (publickey)", "Host key
//    verification failed", rclone's "unable to authenticate"): auth; "failed verification",
//    "corrupted on transfer", "hash differ": hash mismatch; the run or a file of it gone
//    ("change_dir ... failed: No such file", "file has vanished", "error reading source root
//    directory"): local file vanished; a local file that cannot be read ("[sender] ...
//    Permission denied (13)", "failed to open source object: ... permission denied"): local
//    io (NOT auth: it is our disk, not the NAS, that refused); connection failures
//    ("Connection refused", "Could not resolve hostname", "dial tcp", ...): network;
// 4. the exit code table of the program (rsync(1) EXIT VALUES, ssh's 255, rclone's
//    documented codes).
// A "Permission denied" is auth only in ssh's form, "Permission denied (<methods>)".
//
// Pure functions of a CommandResult (or the Status of a failed start). Call them only for a
// result that is not ok() and not cancelled (a cancel is the worker stopping, not a failure).
//
// Thread-safety: pure functions.
#ifndef FERRY_PUSH_FAILURE_CLASS_H_
#define FERRY_PUSH_FAILURE_CLASS_H_

#include <string>
#include <string_view>

#include "ferry/command_runner.h"
#include "ferry/status.h"
#include "push/failure_kind.h"

namespace ferry::push {

struct Classification {
  FailureKind kind = FailureKind::kOther;
  // One line for last_error: "<program> exit <code>: <the telling stderr line>".
  std::string message;
};

// rsync, possibly over ssh (-e ssh): rsync's codes, and 255 from ssh.
Classification ClassifyRsync(const CommandResult& result);
// ssh running a remote command (sha256sum, sync): 255 is ssh's own, the rest the command's.
Classification ClassifySsh(const CommandResult& result);
// rclone copy / hashsum / check.
Classification ClassifyRclone(const CommandResult& result);
// CommandRunner::Run refused to start `program`.
Classification ClassifyStartFailure(const Status& status, std::string_view program);

}  // namespace ferry::push

#endif  // FERRY_PUSH_FAILURE_CLASS_H_
