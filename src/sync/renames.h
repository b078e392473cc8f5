// DetectRenames: the pure step after Reconcile that turns "delete p on Y" plus "copy q to Y"
// of the same content into "rename p to q on Y" (docs/SYNC.md "Renames").
//
// A file renamed on one side X shows up there as p deleted and q created with p's old hash;
// Reconcile plans a deletion of p on Y and a copy of q to Y. When Y's p holds exactly the bytes
// the copy would write (same kind, size and hash), one rename on Y gives the same tree without
// moving the bytes again, and without counting a deletion: it runs before CheckDeleteLimit, so
// moving a directory does not trip --max-delete. Pairs are matched in path order, each action
// at most once; only files (links are cheap to re-create).
//
// Thread-safety: pure function.
#ifndef FERRY_SYNC_RENAMES_H_
#define FERRY_SYNC_RENAMES_H_

#include "sync/plan.h"

namespace ferry::sync {

// Rewrites plan->actions in place (still in execution order); returns how many renames it made.
size_t DetectRenames(SyncPlan* plan);

}  // namespace ferry::sync

#endif  // FERRY_SYNC_RENAMES_H_
