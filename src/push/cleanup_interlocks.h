// Cleanup interlocks: whether the local copy of a verified run may be deleted. Every interlock
// must hold (issue 11, docs/PUSH.md "Cleanup"):
//   1. cleanup is enabled in the configuration (`nas_cleanup: {enabled: true}`);
//   2. the job has at least min_verify_passes successful verify passes;
//   3. at least min_age_hours have passed since the FIRST verification (Job::verified_at);
//   4. no gate override of the run was revoked within that same window (a person withdrew an
//      excuse recently: the run may have been pushed when it should not have been);
//   5. a real listing of the NAS copy, taken just now, shows every local file of the run with
//      its size. "No listing" (the NAS could not be asked) refuses, like a missing file.
// The decision is a pure function of values the caller observed (the job, the overrides, the
// local file list, the remote listing, the clock), so every interlock is tested without a NAS.
// It returns every reason that refuses, not just the first, so `ferry push status` can show a
// person everything that stands between a run and its cleanup.
//
// Thread-safety: pure functions on values.
#ifndef FERRY_PUSH_CLEANUP_INTERLOCKS_H_
#define FERRY_PUSH_CLEANUP_INTERLOCKS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "push/config.h"
#include "push/gate.h"
#include "push/job_state.h"
#include "push/run_manifest.h"

namespace ferry::push {

// One regular file of the NAS copy, as a remote listing reports it.
struct RemoteFile {
  std::string path;  // relative to the run's NAS dir, '/'-separated
  uint64_t size = 0;
};

struct CleanupFacts {
  Job job;
  std::vector<GateOverride> overrides;  // from the run's creation.json
  std::vector<RunFile> local_files;     // ListRunFiles now: what deletion would remove
  // The NAS copy's files, listed just now; nullopt when no listing could be taken.
  std::optional<std::vector<RemoteFile>> remote_listing;
  int64_t now = 0;  // Unix seconds
};

struct CleanupVerdict {
  bool allowed = false;
  // One line each, for last_error and `status`; empty when allowed.
  std::vector<std::string> refusals;
};

CleanupVerdict EvaluateCleanupInterlocks(const CleanupConfig& config, const CleanupFacts& facts);

}  // namespace ferry::push

#endif  // FERRY_PUSH_CLEANUP_INTERLOCKS_H_
