// ExecutePlan: applies a SyncPlan to two replicas, in the plan's order, and says what the
// baseline becomes (docs/SYNC.md "Backups", "The plan file").
//
// Per action, just before acting, it re-checks the preconditions (CheckExpectation): the
// target still holds what the plan saw (and for a copy or rename, so does the source). A path
// changed since the observation fails the check; the action is skipped and reported
// (kChanged), never applied. Every version it replaces or removes goes to the backup area of
// its replica first: PreserveInBackup (a hardlink) before a copy replaces it, MoveToBackup for
// a delete. Copies are verified against the planned hash while they stream
// (WriteMeta::expected_hash), so a source modified mid-copy is not installed either.
//
// It returns what it landed on each side (LandedVersions), from which, with the observations,
// NewBaseline (new_baseline.h) derives the new baseline: a path is recorded only where both
// sides now hold the same kind and content; a path the plan did not bring into agreement (a
// failed or skipped action, a conflict left alone, a one-way skip) keeps its previous record,
// so the next sync sees the same changes again. The caller commits it with SaveBaseline only
// after ExecutePlan returns: a crash before that leaves the old baseline, and the next run
// finds the work already done as "updated equally" on both sides.
//
// An action that fails with kCancelled (an injected crash in tests) stops the run: the error
// is returned. Other failures are recorded and the run goes on.
//
// Thread-safety: one call at a time per pair of replicas (the caller holds the pair's lock).
#ifndef FERRY_SYNC_EXECUTOR_H_
#define FERRY_SYNC_EXECUTOR_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ferry/status.h"
#include "sync/baseline.h"
#include "sync/new_baseline.h"
#include "sync/observe.h"
#include "sync/plan.h"
#include "sync/replica.h"

namespace ferry::sync {

enum class ActionResult : uint8_t {
  kDone,
  kChanged,  // a precondition no longer held: skipped, nothing touched
  kFailed,   // the replica refused (the status says why); the version there is intact
};

struct ActionOutcome {
  ActionResult result = ActionResult::kDone;
  Status status;  // kFailed, kChanged: why
};

struct ExecuteResult {
  std::vector<ActionOutcome> outcomes;  // one per plan action, same order
  LandedVersions landed;                // what each side holds now where the executor acted
  uint64_t created = 0;                 // copies and mkdirs onto an empty path
  uint64_t updated = 0;                 // copies over an existing version
  uint64_t deleted = 0;                 // deletes and rmdirs
  uint64_t renamed = 0;
  uint64_t changed = 0;  // skipped: changed during the sync
  uint64_t failed = 0;
};

// How ExecutePlan runs, beyond the plan itself.
struct ExecuteOptions {
  // Where backups go, relative to each replica's root: "<backup_dir>/<time>/<path>". Empty:
  // kTrashDirName. A directory other than kTrashDirName must be hidden from the replica's
  // listing by the caller (ExcludingReplica), or it would be synced.
  std::string backup_dir;
  // Called after each action with its outcome (progress, --events); may be empty.
  std::function<void(const SyncAction&, const ActionOutcome&)> on_action;
};

// True when `path` on `replica` holds what `want` says: absent; or the same kind, and for a
// file or link the same stamp, or failing that the same size and hash (read only then).
Result<bool> CheckExpectation(Replica* replica, const std::string& path, const Expectation& want);

// Applies `plan` (from Reconcile). Backups go under
// BackupPathFor(path, started_at_ns) (with options.backup_dir in place of ".ferry-trash"), or,
// when that name is taken (two runs in one second), "<backup dir>/<time>.<n>/<path>" with the
// first free n.
Result<ExecuteResult> ExecutePlan(Replica* a, Replica* b, const SyncPlan& plan,
                                  int64_t started_at_ns, const ExecuteOptions& options = {});

}  // namespace ferry::sync

#endif  // FERRY_SYNC_EXECUTOR_H_
