// The plan file of `ferry sync --plan-out FILE` and `ferry sync apply FILE`, and the text of
// --dry-run (docs/SYNC.md "The plan file" gives the JSON form). A plan file carries the
// replica ids it was made for and every action's preconditions, so applying it later acts
// only where the replicas still hold exactly what the plan saw.
//
// Thread-safety: pure functions.
#ifndef FERRY_SYNC_PLAN_FILE_H_
#define FERRY_SYNC_PLAN_FILE_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "ferry/status.h"
#include "sync/plan.h"

namespace ferry::sync {

struct PlanFile {
  std::string id_a;
  std::string id_b;
  int64_t started_at_ns = 0;  // names the backups when the plan is applied
  SyncPlan plan;
};

nlohmann::ordered_json PlanFileToJson(const PlanFile& file);

// The inverse. Anything malformed is kInvalidArgument naming `where` and the field.
Result<PlanFile> ParsePlanFile(std::string_view text, std::string_view where);

// One line per action ("copy a -> b notes.md (modified on a)", "delete on b old.md (deleted on
// a)", "rename on b x -> y", "mkdir on a d", "rmdir on b d"), one per conflict and skipped
// path, then a count line.
std::string FormatPlanText(const SyncPlan& plan);

}  // namespace ferry::sync

#endif  // FERRY_SYNC_PLAN_FILE_H_
