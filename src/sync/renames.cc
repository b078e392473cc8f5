#include "sync/renames.h"

#include <map>
#include <tuple>
#include <vector>

namespace ferry::sync {

size_t DetectRenames(SyncPlan* plan) {
  using Key = std::tuple<Side, uint64_t, ContentHash>;
  // Deletions of files, by (side, size, hash), in path order (actions are sorted).
  std::map<Key, std::vector<size_t>> deletions;
  for (size_t i = 0; i < plan->actions.size(); ++i) {
    const SyncAction& act = plan->actions[i];
    if (act.op == ActionOp::kDelete && act.target.present && act.target.kind == EntryKind::kFile) {
      deletions[{act.side, act.target.size, act.target.hash}].push_back(i);
    }
  }
  if (deletions.empty()) return 0;
  std::map<Key, size_t> used;  // how many of each list are matched
  std::vector<bool> drop(plan->actions.size(), false);
  std::vector<SyncAction> renames;
  for (size_t i = 0; i < plan->actions.size(); ++i) {
    const SyncAction& copy = plan->actions[i];
    if (copy.op != ActionOp::kCopy || copy.target.present || copy.source.kind != EntryKind::kFile) {
      continue;
    }
    Key key{copy.side, copy.source.size, copy.source.hash};
    auto found = deletions.find(key);
    if (found == deletions.end()) continue;
    size_t& n = used[key];
    if (n == found->second.size()) continue;
    size_t d = found->second[n++];
    const SyncAction& del = plan->actions[d];
    SyncAction rename;
    rename.op = ActionOp::kRename;
    rename.side = copy.side;
    rename.path = del.path;
    rename.to_path = copy.path;
    rename.source = del.target;
    rename.why = "renamed on " + std::string(SideName(OtherSide(copy.side))) + " (" + del.path +
                 " -> " + copy.path + ")";
    renames.push_back(std::move(rename));
    drop[i] = true;
    drop[d] = true;
  }
  std::vector<SyncAction> out;
  out.reserve(plan->actions.size());
  for (size_t i = 0; i < plan->actions.size(); ++i) {
    if (!drop[i]) out.push_back(std::move(plan->actions[i]));
  }
  for (SyncAction& r : renames) out.push_back(std::move(r));
  plan->actions = std::move(out);
  SortActionsForExecution(&plan->actions);
  return renames.size();
}

}  // namespace ferry::sync
