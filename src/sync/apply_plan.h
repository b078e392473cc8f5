// ApplySavedPlan: `ferry sync apply PLAN_FILE`, the second half of a reviewed sync. It applies
// exactly the actions of a plan written by `ferry sync --plan-out` (plan_file.h), nothing
// recomputed: every action's preconditions are re-checked just before it runs by the same
// executor as a live sync, so an action whose paths changed since the plan was made is
// skipped and reported (kChanged), never applied.
//
// It takes the pair's lock and refuses a baseline of other roots, as RunSync does, then
// commits the new baseline. The baseline learns what the plan knew: for each action, the
// version on the side it came from (the action's source) and what the executor landed, so
// the next sync of the pair sees the applied paths as unchanged. Paths the plan only
// recorded as "equal", and the new names of renames, are recorded by the next sync, which
// finds them equal on both sides and does nothing else.
//
// Thread-safety: one call per pair at a time (the lock makes a second one kBusy).
#ifndef FERRY_SYNC_APPLY_PLAN_H_
#define FERRY_SYNC_APPLY_PLAN_H_

#include <string>

#include "ferry/env.h"
#include "ferry/status.h"
#include "sync/executor.h"
#include "sync/plan_file.h"
#include "sync/replica.h"
#include "sync/sync_engine.h"

namespace ferry::sync {

struct ApplyOptions {
  std::string state_dir;   // as SyncOptions::state_dir
  ExecuteOptions execute;  // --backup-dir, the per-action callback
};

// Applies `file` to `a` and `b`, whose ids must be the plan's (else kInvalidArgument naming
// both). The report's plan is the file's; `executed` is always set.
Result<SyncReport> ApplySavedPlan(Env* env, Replica* a, Replica* b, const PlanFile& file,
                                  const ApplyOptions& options);

// What the sides held according to `plan`'s actions (the source side of each), as
// Observations for NewBaseline. Exposed for tests.
Status ObservationsFromPlan(const SyncPlan& plan, Observations* a_seen, Observations* b_seen);

}  // namespace ferry::sync

#endif  // FERRY_SYNC_APPLY_PLAN_H_
