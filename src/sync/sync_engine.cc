#include "sync/sync_engine.h"

#include "base/file_util.h"
#include "base/path.h"
#include "sync/baseline.h"
#include "sync/observe.h"
#include "sync/renames.h"

namespace ferry::sync {

Result<SyncReport> RunSync(Env* env, Replica* a, Replica* b, const SyncOptions& options) {
  SyncReport report;
  int64_t started = env->NowMonotonicNanos();
  ReconcileOptions reconcile = options.reconcile;
  if (reconcile.started_at_ns == 0) reconcile.started_at_ns = env->NowUnixNanos();

  FERRY_RETURN_IF_ERROR(CreateDirs(env, options.state_dir));
  std::string name = BaselineFileName(a->id(), b->id());
  report.baseline_path = JoinPath(options.state_dir, name);
  FERRY_ASSIGN_OR_RETURN(
      std::unique_ptr<FileLock> lock,
      env->LockFile(report.baseline_path + ".lock", "ferry sync " + a->id() + " " + b->id(),
                    /*wait=*/false));

  FERRY_ASSIGN_OR_RETURN(std::optional<Baseline> loaded, LoadBaseline(env, report.baseline_path));
  Baseline baseline(a->id(), b->id());
  if (loaded) {
    Status mine = CheckBaselineRoots(*loaded, a->id(), b->id(), report.baseline_path);
    if (mine.ok()) {
      baseline = std::move(*loaded);
    } else if (!options.force) {
      return mine;
    }  // --force: start over as a first sync, which deletes nothing
  }

  FERRY_ASSIGN_OR_RETURN(Observations a_seen,
                         ObserveReplica(a, baseline, Side::kA, options.hash_threads));
  FERRY_ASSIGN_OR_RETURN(Observations b_seen,
                         ObserveReplica(b, baseline, Side::kB, options.hash_threads));
  report.hashed = a_seen.hashed + b_seen.hashed;
  if (!options.force) {
    FERRY_RETURN_IF_ERROR(CheckRootsPresent(a_seen.root_state, b_seen.root_state, baseline));
  }
  report.plan = Reconcile(a_seen, b_seen, baseline, reconcile);
  report.renames = DetectRenames(&report.plan);
  if (!options.force) {
    FERRY_RETURN_IF_ERROR(CheckDeleteLimit(report.plan, baseline, options.max_delete));
  }
  if (options.on_plan) options.on_plan(report.plan);
  if (!options.dry_run) {
    FERRY_ASSIGN_OR_RETURN(ExecuteResult executed,
                           ExecutePlan(a, b, report.plan, baseline, a_seen, b_seen,
                                       reconcile.started_at_ns, options.execute));
    FERRY_RETURN_IF_ERROR(SaveBaseline(env, report.baseline_path, executed.baseline));
    report.executed = std::move(executed);
  }
  report.duration_ns = env->NowMonotonicNanos() - started;
  return report;
}

}  // namespace ferry::sync
