// The `rclone` transport: one `rclone copy --checksum` copies the contents of a run dir into
// its NAS dir (run_location.h: "<rclone_remote>:<rclone_remote_path>/<path below local_root>"),
// through the CommandRunner seam, then makes the copy durable where the backend allows it.
//
//   rclone copy --checksum --retries 1 [--bwlimit LIMIT] <run_dir> <remote>:<nas_path>
//
// - `rclone copy SRC DST` copies SRC's contents INTO DST (no leaf/leaf nesting) and creates
//   DST's missing parents; files already there with the same size and hash are skipped, so a
//   retry after an interruption sends only what is missing or different.
// - --checksum compares by hash (not modification time) where both sides have one in common.
// - --retries 1: the queue owns retries and backoff (job_state.h); rclone's default of 3
//   whole-run retries would triple the time an auth failure takes to surface.
// - --bwlimit (RcloneBwlimitArgument): a `bwlimit:` timetable goes through verbatim, so rclone
//   changes the rate itself during a long transfer; an `upload_mbps` schedule becomes the rate
//   in force when the transfer starts ("6250000B"); none when unlimited.
// - The cache dir goes too: the NAS copy carries checksums.sha256.
//
// Durability (docs/PUSH.md, "Transports and what each guarantees"). rclone v1.60.1 fsyncs
// nothing, on either backend (strace: no fsync, fdatasync or syncfs from rclone copy to a
// local path, none from the NAS's sftp-server during an sftp copy). So after a successful copy
// MakeRcloneCopyDurable asks rclone what the destination is (`rclone backend features`):
// - a local filesystem ("Local file system at ROOT", which includes a NAS mounted over NFS or
//   SMB): `sync -f ROOT` flushes that filesystem (file data and directory entries) to its
//   disk before the push counts as done;
// - anything else (sftp): ferry cannot reach the NAS's disk through rclone (v1.60.1's sftp
//   backend runs no arbitrary remote command and does not send fsync@openssh.com): the copy
//   is written and closed on the NAS, and reaches its disk with the NAS's own writeback
//   (Linux: ~30 s); the cleanup interlock's min_age_hours is what covers that gap.
//   RcloneDurability says which of the two a push got.
//
// The commands run with a timeout, in their own process group (killed on timeout or cancel);
// a cancel is not a failure; a failure is classified by ClassifyRclone.
//
// Thread-safety: free functions; `runner` is thread-safe.
#ifndef FERRY_PUSH_RCLONE_TRANSPORT_H_
#define FERRY_PUSH_RCLONE_TRANSPORT_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ferry/command_runner.h"
#include "ferry/status.h"
#include "push/bandwidth.h"
#include "push/config.h"
#include "push/remote_attempt.h"

namespace ferry::push {

// Extra environment for every rclone command (e.g. RCLONE_CONFIG, or RCLONE_CONFIG_<NAME>_*
// defining a remote without a config file).
using RcloneEnv = std::vector<std::pair<std::string, std::string>>;

struct RclonePushRequest {
  std::string run_dir;   // local, absolute
  std::string nas_path;  // "<remote>:<path>", as NasRunPath gives it
  std::string bwlimit;   // RcloneBwlimitArgument; empty: no --bwlimit
  RcloneEnv env;
  int64_t timeout_ms = 0;
};

// What --bwlimit gets at local time `now`: the `bwlimit:` text verbatim, else the `bandwidth:`
// rate in force ("<bytes>B"), else "" (unlimited).
std::string RcloneBwlimitArgument(const TransportConfig& transport, LocalTime now);

// The copy's argv above, exactly.
std::vector<std::string> RclonePushArgv(const RclonePushRequest& request);

enum class RcloneDurability {
  kSynced,           // the destination is a local filesystem and `sync -f` flushed it
  kBackendWriteback  // not a local filesystem: on the NAS, durable after its writeback
};

// What `rclone backend features <nas_path>` says about the destination.
struct RcloneDestination {
  bool local = false;  // a "Local file system at ..."
  std::string root;    // the local path when `local`
};
// Parses the JSON `rclone backend features` prints; kCorruption when it is not that.
Result<RcloneDestination> ParseRcloneFeatures(std::string_view json);

struct RclonePush {
  RemoteAttempt attempt;  // kDone: copied, and synced when durability says so
  RcloneDurability durability = RcloneDurability::kBackendWriteback;
};

// Runs the copy, then MakeRcloneCopyDurable. Same shape as PushRunWithRsync.
RclonePush PushRunWithRclone(CommandRunner* runner, const TransportConfig& transport,
                             const RclonePushRequest& request,
                             const std::atomic<bool>* cancel = nullptr);

// `rclone backend features`, then `sync -f ROOT` for a local destination.
RclonePush MakeRcloneCopyDurable(CommandRunner* runner, const RclonePushRequest& request,
                                 const std::atomic<bool>* cancel = nullptr);

}  // namespace ferry::push

#endif  // FERRY_PUSH_RCLONE_TRANSPORT_H_
