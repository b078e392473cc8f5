// The checks that stop a sync before it acts (docs/SYNC.md "Safety checks"), as pure
// functions of the plan, the baseline and what the observation saw of each root. Each failure
// is kRefused (exit 5) with a message saying what would have happened and how to go on;
// `--force` skips them.
//
// Thread-safety: pure functions.
#ifndef FERRY_SYNC_SAFETY_CHECKS_H_
#define FERRY_SYNC_SAFETY_CHECKS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "ferry/status.h"
#include "sync/baseline.h"
#include "sync/plan.h"
#include "sync/replica.h"

namespace ferry::sync {

// --max-delete N (files) or N% (of that side's files in the baseline). Default 50%.
struct DeleteLimit {
  uint64_t value = 50;
  bool percent = true;
};

// "N" or "N%" (N a whole number; a percentage at most 100); kInvalidArgument otherwise.
Result<DeleteLimit> ParseDeleteLimit(std::string_view text);

// Files and links the plan deletes on `side` (directories are not counted; renames are not
// deletions).
uint64_t CountDeletions(const SyncPlan& plan, Side side);

// kRefused when a side would lose more than the limit allows. A percentage of an empty
// baseline allows any number (a first sync deletes nothing anyway).
Status CheckDeleteLimit(const SyncPlan& plan, const Baseline& baseline, const DeleteLimit& limit);

// kRefused when a replica root is missing, or is empty while the baseline has records: an
// unmounted drive or a wrong path must not read as "everything was deleted".
Status CheckRootsPresent(RootState a, RootState b, const Baseline& baseline);

}  // namespace ferry::sync

#endif  // FERRY_SYNC_SAFETY_CHECKS_H_
