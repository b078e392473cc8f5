#include "sync/sync_events.h"

#include <nlohmann/json.hpp>

namespace ferry::sync {
namespace {

using Json = nlohmann::ordered_json;

// File names may hold bytes that are not UTF-8; they are replaced so the line stays valid.
std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

const char* ResultName(const ActionOutcome* outcome) {
  if (outcome == nullptr) return "planned";
  switch (outcome->result) {
    case ActionResult::kDone:
      return "done";
    case ActionResult::kChanged:
      return "changed";
    case ActionResult::kFailed:
      return "failed";
  }
  return "failed";
}

}  // namespace

std::string SyncStartedEvent(const std::string& operation, const std::string& id_a,
                             const std::string& id_b, std::string_view direction, bool dry_run) {
  return Dump({{"event", "sync_started"},
               {"operation", operation},
               {"a", id_a},
               {"b", id_b},
               {"direction", std::string(direction)},
               {"dry_run", dry_run}});
}

std::string ConflictEvent(const Conflict& c) {
  Json j = {{"event", "conflict"},
            {"path", c.path},
            {"policy", std::string(ConflictPolicyName(c.policy))}};
  j["winner"] = c.winner ? Json(std::string(SideName(*c.winner))) : Json(nullptr);
  if (!c.note.empty()) j["note"] = c.note;
  return Dump(j);
}

std::string ActionEvent(const SyncAction& act, const ActionOutcome* outcome) {
  Json j = {{"event", "action"},
            {"op", std::string(ActionOpName(act.op))},
            {"side", std::string(SideName(act.side))},
            {"path", act.path}};
  if (act.op == ActionOp::kRename) j["to_path"] = act.to_path;
  j["why"] = act.why;
  j["result"] = ResultName(outcome);
  if (outcome != nullptr && !outcome->status.ok()) j["message"] = outcome->status.message();
  return Dump(j);
}

std::string SyncCompletedEvent(bool ok, const std::string& message, const SyncSummary& summary,
                               int exit_status) {
  Json s = SyncSummaryToJson(summary);
  s["exit_status"] = exit_status;
  Json j = {{"event", "sync_completed"}, {"ok", ok}};
  if (!message.empty()) j["message"] = message;
  j["summary"] = s;
  return Dump(j);
}

}  // namespace ferry::sync
