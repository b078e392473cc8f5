// Reconcile: the three-way planner of `ferry sync`, a PURE function of what ObserveReplica saw
// on each replica, the baseline and the options; it performs no I/O, so every case is
// table-tested without a filesystem (reconcile_test.cc). The rules are docs/SYNC.md
// "Reconcile", cell by cell:
//
// - per path, ClassifyPath turns the two change states (and whether both sides now hold the
//   same content) into a verdict: nothing, equal ("updated equally": no action, not a
//   conflict), copy one way, delete on one side, or conflict;
// - a file modified on one side and deleted on the other keeps the modification (copied back);
// - a path with no baseline record (first sync) is merged when equal, copied when one-sided,
//   a conflict when different; inconsistent inputs (a baseline record on one side only) follow
//   the same first-sync rules, which never delete;
// - conflicts go through the policy (PickWinner); a directory against a non-directory is never
//   resolved automatically;
// - in a one-way direction, actions that would change the source are dropped (and reported as
//   skipped); deletions reach the target only with delete_orphans, which also removes paths
//   present only on the target;
// - a directory removal is cancelled when something under it stays on that side, and the
//   directory is re-created on the other side.
// Rename detection (renames.h) and the safety checks (safety_checks.h) run on its result.
//
// Thread-safety: pure functions.
#ifndef FERRY_SYNC_RECONCILE_H_
#define FERRY_SYNC_RECONCILE_H_

#include <cstdint>
#include <optional>

#include "sync/baseline.h"
#include "sync/observe.h"
#include "sync/plan.h"

namespace ferry::sync {

struct ReconcileOptions {
  Direction direction = Direction::kBoth;
  ConflictPolicy policy = ConflictPolicy::kNewer;
  bool delete_orphans = false;
  int64_t started_at_ns = 0;  // the sync's start: names keep-both copies
};

enum class Verdict : uint8_t {
  kNothing,
  kEqual,  // both changed, to the same content: record it, do nothing
  kCopyAToB,
  kCopyBToA,
  kDeleteOnA,
  kDeleteOnB,
  kConflict,
};

// The cell of docs/SYNC.md's table for (a, b). `same_content`: both present with the same kind
// and hash (ignored unless both are present).
Verdict ClassifyPath(ChangeState a, ChangeState b, bool same_content);

// The side whose version wins under `policy`, or nullopt for kSkip / kManual. Both versions
// are present. Ties are decided as docs/SYNC.md says, never by chance.
std::optional<Side> PickWinner(ConflictPolicy policy, const Expectation& a, const Expectation& b);

// The plan for the pair. `a` and `b` come from ObserveReplica against `baseline`.
SyncPlan Reconcile(const Observations& a, const Observations& b, const Baseline& baseline,
                   const ReconcileOptions& options);

}  // namespace ferry::sync

#endif  // FERRY_SYNC_RECONCILE_H_
