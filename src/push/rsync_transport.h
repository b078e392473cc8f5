// The `rsync_ssh` transport: one rsync over ssh copies the contents of a run dir into its NAS
// dir (run_location.h gives the path), through the CommandRunner seam.
//
//   rsync -a --mkpath --partial-dir=.rsync-partial [--bwlimit=KIB]
//         -e "ssh -i KEY -o BatchMode=yes -p PORT [-o UserKnownHostsFile=FILE]"
//         <run_dir>/ <ssh_target>:<nas_path>/
//
// - Both trailing slashes matter: "<run_dir>/" sends the dir's contents, so they land IN
//   <nas_path> (the seed product sends "<run_dir>" into "<nas_path>", nesting leaf/leaf).
// - --mkpath creates the missing parents of a fresh NAS path (rsync >= 3.2.3).
// - --partial-dir keeps an interrupted file's bytes in <nas_path>/.rsync-partial, so the next
//   attempt resumes it; rsync never leaves a partial file under its real name.
// - Durability is NOT rsync's job: a push is followed by a verify pass, which runs `sync -f`
//   in the NAS dir (syncfs: every file's data and every directory entry of that filesystem
//   flushed, errors reported) before it hashes, and a run is `verified` only after that pass.
//   One syncfs for the whole run replaced `--fsync` (one fsync, so one journal commit, per
//   file): ~2 s less per GiB of 1 MiB files on this machine's disk (docs/PUSH.md, Benchmark).
// - --bwlimit is the limit in force when the transfer starts (bandwidth.h,
//   RsyncBwlimitArgument); none when unlimited.
// - Rate re-evaluation: rsync takes one fixed --bwlimit, so when the transport's limit changes
//   with the time of day (an upload_mbps schedule with windows, a bwlimit timetable of more
//   than one entry) and the request has an Env (`env`: its clock), the run's files are sent in
//   batches of about `batch_bytes` (`--from0 --files-from=-`, the NUL-separated list on
//   stdin), the rate in force re-read from the clock before each batch, and a last full pass
//   (the plain command above, at the rate then in force) sends the cache dir and whatever
//   the batches did not cover. A window that opens mid-run is honoured from the next batch.
//   Without a time-dependent limit it stays one rsync (no batching cost).
// - The cache dir goes too: the NAS copy carries checksums.sha256.
// The command runs with a timeout, in its own process group (ssh dies with it on timeout or
// cancel); a failure is classified by ClassifyRsync.
//
// Thread-safety: free functions; `runner` is thread-safe.
#ifndef FERRY_PUSH_RSYNC_TRANSPORT_H_
#define FERRY_PUSH_RSYNC_TRANSPORT_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "ferry/command_runner.h"
#include "ferry/env.h"
#include "push/bandwidth.h"
#include "push/config.h"
#include "push/remote_attempt.h"
#include "push/run_manifest.h"

namespace ferry::push {

inline constexpr char kRsyncPartialDir[] = ".rsync-partial";

struct RsyncPushRequest {
  std::string run_dir;     // local, absolute
  std::string nas_path;    // on the NAS, absolute
  RateLimit rate;          // bytes per second; nullopt: no --bwlimit
  std::string home;        // for "~/" in the key and known_hosts paths
  int64_t timeout_ms = 0;  // per rsync command
  // Rate re-evaluation (see above); unused unless the limit varies with the time of day.
  Env* env = nullptr;  // the clock (NowUnixNanos) and the run's files (ListRunFiles)
  std::string cache_dir = ".ferry";
  uint64_t batch_bytes = uint64_t{256} << 20;
};

// The limit in force at `unix_seconds` local time: the bwlimit timetable, else the schedule.
RateLimit RateInForce(const TransportConfig& transport, int64_t unix_seconds);
// Whether that limit can change with the time of day.
bool RateVariesOverTime(const TransportConfig& transport);

// Groups the run's files (in order) into batches of at least `batch_bytes` (the last one may
// be smaller); a file bigger than that is a batch alone. Pure.
std::vector<std::vector<std::string>> PlanRsyncBatches(const std::vector<RunFile>& files,
                                                       uint64_t batch_bytes);

// One batch's argv: the command above with `--from0 --files-from=-` before -e.
std::vector<std::string> RsyncBatchArgv(const TransportConfig& transport,
                                        const RsyncPushRequest& request);

// The argv above, exactly.
std::vector<std::string> RsyncPushArgv(const TransportConfig& transport,
                                       const RsyncPushRequest& request);

// Runs it (in batches when the rate varies and request.env is set; then request.rate is
// ignored: each batch's rate comes from the clock). kDone means every file is on the NAS
// (durable once the verify pass's `sync -f` returns). A failed or cancelled batch ends the
// push with that batch's attempt.
RemoteAttempt PushRunWithRsync(CommandRunner* runner, const TransportConfig& transport,
                               const RsyncPushRequest& request,
                               const std::atomic<bool>* cancel = nullptr);

}  // namespace ferry::push

#endif  // FERRY_PUSH_RSYNC_TRANSPORT_H_
