// RunSync: one `ferry sync` of a pair of replicas, phase by phase (docs/SYNC.md):
//   lock the pair -> load the baseline (refuse one of other roots) -> observe A and B (at once,
//   B on a second thread) ->
//   check the roots -> Reconcile -> DetectRenames -> check --max-delete -> (dry run: stop)
//   -> ExecutePlan -> commit the new baseline.
// Each phase is its own function elsewhere; this file only strings them together and owns the
// state directory's files: <state_dir>/<BaselineFileName>.baseline and its ".lock".
//
// A no-op (nothing changed on either side, baseline already in the current format) skips the
// executor and does not rewrite the baseline: nothing is written at all.
//
// Thread-safety: one call per pair at a time; a second process (or thread) on the same pair
// gets kBusy from the lock. The two replicas are observed concurrently (one thread each), so
// they must not share state that is unsafe across threads.
#ifndef FERRY_SYNC_SYNC_ENGINE_H_
#define FERRY_SYNC_SYNC_ENGINE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "ferry/env.h"
#include "ferry/status.h"
#include "sync/executor.h"
#include "sync/plan.h"
#include "sync/reconcile.h"
#include "sync/replica.h"
#include "sync/safety_checks.h"

namespace ferry::sync {

struct SyncOptions {
  ReconcileOptions reconcile;  // started_at_ns 0: taken from the Env's clock
  DeleteLimit max_delete;
  bool force = false;  // skip the safety checks (and start over from a foreign baseline)
  bool dry_run = false;
  std::string state_dir;  // holds the baselines and locks; created if missing
  size_t hash_threads = 2;
  ExecuteOptions execute;  // --backup-dir, the per-action callback
  // Called once the plan is final (after the safety checks, before executing; also under
  // dry_run); may be empty.
  std::function<void(const SyncPlan&)> on_plan;
};

// Where a run's time went (monotonic clock), for the benchmark and --json: docs/SYNC.md
// "Performance". A phase not run (dry run, a no-op's skipped commit) stays 0.
struct SyncPhaseTimes {
  int64_t load_ns = 0;     // reading the baseline
  int64_t observe_ns = 0;  // walking and hashing both replicas (concurrently)
  int64_t plan_ns = 0;     // Reconcile, DetectRenames, safety checks
  int64_t execute_ns = 0;  // ExecutePlan, with building the new baseline
  int64_t commit_ns = 0;   // SaveBaseline
};

struct SyncReport {
  std::string baseline_path;
  SyncPlan plan;
  uint64_t renames = 0;                   // plan actions that DetectRenames made
  std::optional<ExecuteResult> executed;  // none under dry_run
  uint64_t hashed = 0;                    // entries read to detect changes, both sides
  int64_t duration_ns = 0;
  SyncPhaseTimes phases;
};

// `env` holds the state directory and gives the clock; the replicas bring their own I/O.
Result<SyncReport> RunSync(Env* env, Replica* a, Replica* b, const SyncOptions& options);

}  // namespace ferry::sync

#endif  // FERRY_SYNC_SYNC_ENGINE_H_
