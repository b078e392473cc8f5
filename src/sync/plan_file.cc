#include "sync/plan_file.h"

namespace ferry::sync {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kFormat = "ferry-sync-plan";

Json ExpectationToJson(const Expectation& e) {
  if (!e.present) return Json{{"kind", "absent"}};
  Json j{{"kind", EntryKindName(e.kind)},
         {"size", e.size},
         {"mtime_ns", e.mtime_ns},
         {"inode", e.inode},
         {"mode", e.mode}};
  if (e.kind != EntryKind::kDir) j["hash"] = ContentHashHex(e.hash);
  return j;
}

// Throws nlohmann's exceptions on a missing or mistyped field; ParsePlanFile catches them.
Expectation ExpectationFromJson(const Json& j) {
  Expectation e;
  std::string kind = j.at("kind").get<std::string>();
  if (kind == "absent") return e;
  e.present = true;
  if (kind == "file") {
    e.kind = EntryKind::kFile;
  } else if (kind == "symlink") {
    e.kind = EntryKind::kSymlink;
  } else if (kind == "dir") {
    e.kind = EntryKind::kDir;
  } else {
    throw std::invalid_argument("unknown kind '" + kind + "'");
  }
  e.size = j.at("size").get<uint64_t>();
  e.mtime_ns = j.at("mtime_ns").get<int64_t>();
  e.inode = j.at("inode").get<uint64_t>();
  e.mode = j.at("mode").get<uint32_t>();
  if (e.kind != EntryKind::kDir && !ParseContentHashHex(j.at("hash").get<std::string>(), &e.hash)) {
    throw std::invalid_argument("a hash is not 64 hex digits");
  }
  return e;
}

Side SideFromJson(const Json& j) {
  std::string s = j.get<std::string>();
  if (s == "a") return Side::kA;
  if (s == "b") return Side::kB;
  throw std::invalid_argument("unknown side '" + s + "'");
}

ActionOp OpFromJson(const Json& j) {
  std::string s = j.get<std::string>();
  for (ActionOp op : {ActionOp::kRename, ActionOp::kDelete, ActionOp::kRemoveDir,
                      ActionOp::kMakeDir, ActionOp::kCopy}) {
    if (ActionOpName(op) == s) return op;
  }
  throw std::invalid_argument("unknown op '" + s + "'");
}

std::string CheckedPath(const Json& j) {
  std::string p = j.get<std::string>();
  if (!IsValidReplicaPath(p)) throw std::invalid_argument("path '" + p + "' leaves the replica");
  return p;
}

}  // namespace

Json PlanFileToJson(const PlanFile& file) {
  Json actions = Json::array();
  for (const SyncAction& act : file.plan.actions) {
    Json j{{"op", ActionOpName(act.op)}, {"side", SideName(act.side)}, {"path", act.path}};
    if (act.op == ActionOp::kRename) j["to_path"] = act.to_path;
    j["source"] = ExpectationToJson(act.source);
    j["target"] = ExpectationToJson(act.target);
    j["why"] = act.why;
    actions.push_back(std::move(j));
  }
  Json conflicts = Json::array();
  for (const Conflict& c : file.plan.conflicts) {
    conflicts.push_back(Json{{"path", c.path},
                             {"a", ExpectationToJson(c.a)},
                             {"b", ExpectationToJson(c.b)},
                             {"policy", ConflictPolicyName(c.policy)},
                             {"winner", c.winner ? Json(SideName(*c.winner)) : Json(nullptr)},
                             {"note", c.note}});
  }
  Json skipped = Json::array();
  for (const SkippedPath& s : file.plan.skipped) {
    skipped.push_back(Json{{"path", s.path}, {"reason", s.reason}});
  }
  return Json{{"format", kFormat},
              {"version", 1},
              {"replicas", Json{{"a", file.id_a}, {"b", file.id_b}}},
              {"started_at_ns", file.started_at_ns},
              {"actions", std::move(actions)},
              {"conflicts", std::move(conflicts)},
              {"skipped", std::move(skipped)},
              {"equal", file.plan.equal}};
}

Result<PlanFile> ParsePlanFile(std::string_view text, std::string_view where) {
  try {
    Json j = Json::parse(text);
    if (j.at("format").get<std::string>() != kFormat || j.at("version").get<int>() != 1) {
      return Status::InvalidArgument(std::string(where) +
                                     " is not a ferry sync plan of version 1; make a new one "
                                     "with ferry sync --dry-run --plan-out");
    }
    PlanFile file;
    file.id_a = j.at("replicas").at("a").get<std::string>();
    file.id_b = j.at("replicas").at("b").get<std::string>();
    file.started_at_ns = j.at("started_at_ns").get<int64_t>();
    for (const Json& a : j.at("actions")) {
      SyncAction act;
      act.op = OpFromJson(a.at("op"));
      act.side = SideFromJson(a.at("side"));
      act.path = CheckedPath(a.at("path"));
      if (act.op == ActionOp::kRename) act.to_path = CheckedPath(a.at("to_path"));
      act.source = ExpectationFromJson(a.at("source"));
      act.target = ExpectationFromJson(a.at("target"));
      act.why = a.value("why", "");
      file.plan.actions.push_back(std::move(act));
    }
    for (const Json& c : j.at("conflicts")) {
      Conflict conflict;
      conflict.path = CheckedPath(c.at("path"));
      conflict.a = ExpectationFromJson(c.at("a"));
      conflict.b = ExpectationFromJson(c.at("b"));
      Result<ConflictPolicy> policy = ParseConflictPolicy(c.at("policy").get<std::string>());
      if (!policy.ok()) throw std::invalid_argument(policy.status().message());
      conflict.policy = *policy;
      if (!c.at("winner").is_null()) conflict.winner = SideFromJson(c.at("winner"));
      conflict.note = c.value("note", "");
      file.plan.conflicts.push_back(std::move(conflict));
    }
    for (const Json& s : j.at("skipped")) {
      file.plan.skipped.push_back(
          {s.at("path").get<std::string>(), s.at("reason").get<std::string>()});
    }
    // A count since ferry stopped listing the paths; a list (older plans) counts its paths.
    const Json& equal = j.at("equal");
    file.plan.equal = equal.is_array() ? equal.size() : equal.get<uint64_t>();
    return file;
  } catch (const std::exception& e) {
    return Status::InvalidArgument("sync plan " + std::string(where) + ": " + e.what() +
                                   "; make a new one with ferry sync --dry-run --plan-out");
  }
}

std::string FormatPlanText(const SyncPlan& plan) {
  std::string out;
  for (const SyncAction& act : plan.actions) {
    std::string side(SideName(act.side));
    std::string other(SideName(OtherSide(act.side)));
    switch (act.op) {
      case ActionOp::kCopy:
        out += "copy " + other + " -> " + side + " " + act.path;
        break;
      case ActionOp::kRename:
        out += "rename on " + side + " " + act.path + " -> " + act.to_path;
        break;
      default:
        out += std::string(ActionOpName(act.op)) + " on " + side + " " + act.path;
        break;
    }
    if (!act.why.empty()) out += " (" + act.why + ")";
    out += '\n';
  }
  for (const Conflict& c : plan.conflicts) {
    if (c.winner) continue;  // a resolved conflict is already an action above
    out += "conflict " + c.path + ": " + c.note + '\n';
  }
  for (const SkippedPath& s : plan.skipped) out += "skip " + s.path + ": " + s.reason + '\n';
  out += std::to_string(plan.actions.size()) + " actions, " +
         std::to_string(plan.unresolved_conflicts()) + " unresolved conflicts, " +
         std::to_string(plan.skipped.size()) + " skipped\n";
  return out;
}

}  // namespace ferry::sync
