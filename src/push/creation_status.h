// The run's creation.json (<run>/<cache_dir>/creation.json): the metadata file the acquisition
// software writes (the seed product's "exlab-wizard" schema), which ferry also reads for gate
// overrides (gate.h) and writes one field of: `sync_status`, e.g. "blocked_by_validation"
// when the Pre-Sync Gate refuses the run, so the lab's tools show why the run is not on the NAS.
//
// ferry owns only that field. SetRunSyncStatus is a read-modify-write that keeps every other
// field as it was, unknown ones included, in their order (nlohmann::ordered_json), and:
// - holds <run>/<cache_dir>/creation.json.lock (Env::LockFile, waiting) from the read to the
//   rename, so two ferry processes (an `enqueue` and the worker) never lose each other's
//   writes; a writer that does not take the lock can still race it (documented in PUSH.md);
// - writes atomically and durably (temp, fsync, rename, fsync of the dir: WriteFileAtomically),
//   so a crash leaves the old file or the new one, never a torn one;
// - refuses to touch a file that is not a JSON object (kInvalidArgument naming the file):
//   rewriting it would destroy what a person may still recover.
// A missing creation.json (or cache dir) is created with just the status.
//
// Thread-safety: free functions; `env` is thread-safe; the lock serialises writers of one run.
#ifndef FERRY_PUSH_CREATION_STATUS_H_
#define FERRY_PUSH_CREATION_STATUS_H_

#include <string>
#include <string_view>

#include "ferry/env.h"
#include "ferry/status.h"

namespace ferry::push {

inline constexpr char kCreationFileName[] = "creation.json";
// The sync_status of a run the Pre-Sync Gate refused.
inline constexpr char kBlockedByValidation[] = "blocked_by_validation";

// <run_dir>/<cache_dir>/creation.json
std::string CreationJsonPath(const std::string& run_dir, const std::string& cache_dir);

// Sets "sync_status" to `status`, keeping every other field; see above.
Status SetRunSyncStatus(Env* env, const std::string& run_dir, const std::string& cache_dir,
                        std::string_view status);

}  // namespace ferry::push

#endif  // FERRY_PUSH_CREATION_STATUS_H_
