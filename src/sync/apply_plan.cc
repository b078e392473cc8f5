#include "sync/apply_plan.h"

#include <algorithm>
#include <deque>

#include "base/file_util.h"
#include "base/path.h"
#include "sync/baseline.h"
#include "sync/new_baseline.h"

namespace ferry::sync {
namespace {

Observed Present(const Expectation& e) {
  Observed o;
  o.kind = e.kind;
  o.size = e.size;
  o.mtime_ns = e.mtime_ns;
  o.inode = e.inode;
  o.mode = static_cast<uint16_t>(e.mode);  // the caller checked ModeFits
  o.hash = e.hash;
  o.state = ChangeState::kModified;  // "present"; NewBaseline reads presence, kind and hash
  return o;
}

Observed Gone() {
  Observed o;
  o.state = ChangeState::kDeleted;
  return o;
}

void SortAndDedupe(Observations* seen) {
  // Later actions know better (a keep-both rename then a copy onto the same path).
  seen->SortByPath();
  std::deque<Observed> unique;
  for (const Observed& o : seen->changes) {
    if (!unique.empty() && seen->path(unique.back()) == seen->path(o)) {
      unique.back() = o;
    } else {
      unique.push_back(o);
    }
  }
  seen->changes = std::move(unique);
}

}  // namespace

Status ObservationsFromPlan(const SyncPlan& plan, Observations* a_seen, Observations* b_seen) {
  for (const SyncAction& act : plan.actions) {
    // The side the action reads from, or whose change it mirrors.
    Observations* other = act.side == Side::kA ? b_seen : a_seen;
    switch (act.op) {
      case ActionOp::kCopy:
      case ActionOp::kMakeDir:
        FERRY_RETURN_IF_ERROR(CheckModeFits(act.path, act.source.mode));
        FERRY_RETURN_IF_ERROR(other->Add(act.path, Present(act.source)));
        break;
      case ActionOp::kRename:
        // A rename mirrors one on the other side, or (keep-both) moves a loser aside on its
        // own side; the new name is not claimed for the other side either way. The next sync
        // finds it equal on both sides and records it without acting.
        FERRY_RETURN_IF_ERROR(other->Add(act.path, Gone()));
        break;
      case ActionOp::kDelete:
      case ActionOp::kRemoveDir:
        FERRY_RETURN_IF_ERROR(other->Add(act.path, Gone()));
        break;
    }
  }
  SortAndDedupe(a_seen);
  SortAndDedupe(b_seen);
  return Status::OK();
}

Result<SyncReport> ApplySavedPlan(Env* env, Replica* a, Replica* b, const PlanFile& file,
                                  const ApplyOptions& options) {
  if (a->id() != file.id_a || b->id() != file.id_b) {
    return Status::InvalidArgument("the plan was made for " + file.id_a + " and " + file.id_b +
                                   ", not " + a->id() + " and " + b->id() +
                                   " (make a new plan with ferry sync --dry-run --plan-out)");
  }
  SyncReport report;
  int64_t started = env->NowMonotonicNanos();
  FERRY_RETURN_IF_ERROR(CreateDirs(env, options.state_dir));
  report.baseline_path = JoinPath(options.state_dir, BaselineFileName(a->id(), b->id()));
  FERRY_ASSIGN_OR_RETURN(
      std::unique_ptr<FileLock> lock,
      env->LockFile(report.baseline_path + ".lock", "ferry sync apply " + a->id() + " " + b->id(),
                    /*wait=*/false));
  FERRY_ASSIGN_OR_RETURN(std::optional<Baseline> loaded, LoadBaseline(env, report.baseline_path));
  Baseline baseline(a->id(), b->id());
  if (loaded) {
    FERRY_RETURN_IF_ERROR(CheckBaselineRoots(*loaded, a->id(), b->id(), report.baseline_path));
    baseline = std::move(*loaded);
  }
  Observations a_seen, b_seen;
  FERRY_RETURN_IF_ERROR(ObservationsFromPlan(file.plan, &a_seen, &b_seen));
  report.plan = file.plan;
  for (const SyncAction& act : file.plan.actions) {
    if (act.op == ActionOp::kRename) ++report.renames;
  }
  FERRY_ASSIGN_OR_RETURN(ExecuteResult executed,
                         ExecutePlan(a, b, file.plan, file.started_at_ns, options.execute));
  FERRY_RETURN_IF_ERROR(SaveBaseline(env, report.baseline_path, baseline.id_a(), baseline.id_b(),
                                     NewBaselineSource(baseline, a_seen, b_seen, executed.landed)));
  report.executed = std::move(executed);
  report.duration_ns = env->NowMonotonicNanos() - started;
  return report;
}

}  // namespace ferry::sync
