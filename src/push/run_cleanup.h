// Cleanup of a run's local copy, once the interlocks (cleanup_interlocks.h) allowed it.
//
// DeleteVerifiedRunFiles removes exactly the files the interlocks checked against the NAS
// listing, never "whatever is in the run dir now": a file written into the run after that
// check is not on the NAS, so it stays, and the deletion reports it. Directories left empty
// are removed bottom-up, the run dir last. With retain_cache the cache dir (<run>/<cache_dir>,
// which holds creation.json and checksums.sha256) stays, and with it the run dir; without it
// the cache dir goes too (its copy is on the NAS with the run).
//
// CleanUpJob runs the deletion for a cleanup_eligible job and moves the queue: all deleted ->
// cleaned; anything failed part way (a file that would not go, a file not verified) -> the
// job stays cleanup_eligible with last_error "cleanup: <what failed>", never cleaned, so the
// next evaluation tries again after checking the interlocks again.
//
// Thread-safety: free functions; `env` and `queue` are thread-safe.
#ifndef FERRY_PUSH_RUN_CLEANUP_H_
#define FERRY_PUSH_RUN_CLEANUP_H_

#include <string>
#include <vector>

#include "ferry/env.h"
#include "ferry/status.h"
#include "push/job_queue.h"
#include "push/run_manifest.h"

namespace ferry::push {

struct CleanupOptions {
  std::string cache_dir = ".ferry";
  bool retain_cache = true;
};

// Deletes `verified_files` (relative to run_dir) and the directories they leave empty; see
// above. The first error stops the deletion and is returned (naming the path); a file that
// is not in the list is kRefused naming it. A file of the list already gone is
// not an error (a cleanup interrupted before is being finished).
Status DeleteVerifiedRunFiles(Env* env, const std::string& run_dir,
                              const std::vector<RunFile>& verified_files,
                              const CleanupOptions& options);

// For job `job` (cleanup_eligible): DeleteVerifiedRunFiles, then cleaned, or the error
// recorded on the still cleanup_eligible job. Returns the job as written; an error only when
// the queue itself fails (or the job is no longer cleanup_eligible: kRefused).
Result<Job> CleanUpJob(JobQueue* queue, Env* env, const Job& job,
                       const std::vector<RunFile>& verified_files, const CleanupOptions& options);

}  // namespace ferry::push

#endif  // FERRY_PUSH_RUN_CLEANUP_H_
