// The --events lines of `ferry sync` (docs/EVENTS.md "ferry sync"): one compact JSON object
// per line, in this order: `sync_started`, one `conflict` per conflict of the plan, one
// `action` per plan action (after it ran, or "planned" under --dry-run), `sync_completed`
// (also when the sync stops as a whole). Each function returns one line without the newline.
//
// Thread-safety: pure functions.
#ifndef FERRY_SYNC_SYNC_EVENTS_H_
#define FERRY_SYNC_SYNC_EVENTS_H_

#include <string>
#include <string_view>

#include "sync/executor.h"
#include "sync/plan.h"
#include "sync/sync_summary.h"

namespace ferry::sync {

// {"event":"sync_started","operation":"sync"|"apply","a":ID,"b":ID,"direction":...,
//  "dry_run":bool}; `direction` is DirectionName's word, or "plan" for an applied plan.
std::string SyncStartedEvent(const std::string& operation, const std::string& id_a,
                             const std::string& id_b, std::string_view direction, bool dry_run);

// {"event":"conflict","path":...,"policy":...,"winner":"a"|"b"|null,"note"?:...}
std::string ConflictEvent(const Conflict& conflict);

// {"event":"action","op":...,"side":...,"path":...,"to_path"?:...,"why":...,
//  "result":"done"|"changed"|"failed"|"planned","message"?:...}; outcome null: planned.
std::string ActionEvent(const SyncAction& action, const ActionOutcome* outcome);

// {"event":"sync_completed","ok":bool,"message"?:...,"summary":{SyncSummaryToJson...,
//  "exit_status":N}}
std::string SyncCompletedEvent(bool ok, const std::string& message, const SyncSummary& summary,
                               int exit_status);

}  // namespace ferry::sync

#endif  // FERRY_SYNC_SYNC_EVENTS_H_
