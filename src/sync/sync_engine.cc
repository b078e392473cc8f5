#include "sync/sync_engine.h"

#include <optional>
#include <thread>

#include "base/file_util.h"
#include "base/path.h"
#include "sync/baseline.h"
#include "sync/new_baseline.h"
#include "sync/observe.h"
#include "sync/renames.h"

namespace ferry::sync {
namespace {

struct ObservedPair {
  Observations a;
  Observations b;
};

// Observes both replicas at once, B on a thread of its own: each walk mostly waits on its
// disk (or remote), and the two only read the shared baseline.
Result<ObservedPair> ObserveBoth(Replica* a, Replica* b, const Baseline& baseline,
                                 size_t hash_threads) {
  std::optional<Result<Observations>> b_result;
  std::thread b_thread(
      [&] { b_result.emplace(ObserveReplica(b, baseline, Side::kB, hash_threads)); });
  Result<Observations> a_result = ObserveReplica(a, baseline, Side::kA, hash_threads);
  b_thread.join();
  if (!a_result.ok()) return a_result.status();
  if (!b_result->ok()) return b_result->status();
  return ObservedPair{std::move(*a_result), std::move(**b_result)};
}

// True when the new baseline would be the loaded one, record for record, and the file
// already holds it in the current format: no path changed on either side (not even a touch,
// which updates a stamp), so the plan is empty too.
bool NothingToCommit(const Observations& a_seen, const Observations& b_seen, const SyncPlan& plan,
                     bool baseline_is_current) {
  // (Paths "updated equally" are changes on both sides, so none here either.)
  return baseline_is_current && a_seen.changes.empty() && b_seen.changes.empty() &&
         plan.actions.empty() && plan.conflicts.empty() && plan.skipped.empty();
}

}  // namespace

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

  int64_t mark = env->NowMonotonicNanos();
  auto phase_done = [&](int64_t* ns) {
    int64_t now = env->NowMonotonicNanos();
    *ns = now - mark;
    mark = now;
  };
  FERRY_ASSIGN_OR_RETURN(std::optional<Baseline> loaded, LoadBaseline(env, report.baseline_path));
  Baseline baseline(a->id(), b->id());
  bool baseline_is_current = false;  // the file on disk is this baseline, in today's format
  if (loaded) {
    Status mine = CheckBaselineRoots(*loaded, a->id(), b->id(), report.baseline_path);
    if (mine.ok()) {
      baseline_is_current = loaded->format_version() == kBaselineFormatVersion;
      baseline = std::move(*loaded);
    } else if (!options.force) {
      return mine;
    }  // --force: start over as a first sync, which deletes nothing
  }
  phase_done(&report.phases.load_ns);

  FERRY_ASSIGN_OR_RETURN(ObservedPair seen, ObserveBoth(a, b, baseline, options.hash_threads));
  Observations& a_seen = seen.a;
  Observations& b_seen = seen.b;
  report.hashed = a_seen.hashed + b_seen.hashed;
  phase_done(&report.phases.observe_ns);
  if (!options.force) {
    FERRY_RETURN_IF_ERROR(CheckRootsPresent(a_seen.root_state, b_seen.root_state, baseline));
  }
  report.plan = Reconcile(a_seen, b_seen, baseline, reconcile);
  report.renames = DetectRenames(&report.plan);
  if (!options.force) {
    FERRY_RETURN_IF_ERROR(CheckDeleteLimit(report.plan, baseline, options.max_delete));
  }
  phase_done(&report.phases.plan_ns);
  if (options.on_plan) options.on_plan(report.plan);
  if (!options.dry_run) {
    if (NothingToCommit(a_seen, b_seen, report.plan, baseline_is_current)) {
      // A no-op: the baseline on disk already says exactly this, in the current format, so
      // it is neither rebuilt nor rewritten (nor fsynced). Nothing changes on disk, so a crash
      // here leaves what was there.
      report.executed = ExecuteResult{};
    } else {
      FERRY_ASSIGN_OR_RETURN(
          ExecuteResult executed,
          ExecutePlan(a, b, report.plan, reconcile.started_at_ns, options.execute));
      phase_done(&report.phases.execute_ns);
      // Streamed from the merge of what is known (new_baseline.h): the new baseline is never
      // in memory beside the old one.
      FERRY_RETURN_IF_ERROR(
          SaveBaseline(env, report.baseline_path, baseline.id_a(), baseline.id_b(),
                       NewBaselineSource(baseline, a_seen, b_seen, executed.landed)));
      phase_done(&report.phases.commit_ns);
      report.executed = std::move(executed);
    }
  }
  report.duration_ns = env->NowMonotonicNanos() - started;
  return report;
}

}  // namespace ferry::sync
