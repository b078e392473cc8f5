#include "sync/excluding_replica.h"

namespace ferry::sync {

Result<RootState> ExcludingReplica::GetRootState() {
  FERRY_ASSIGN_OR_RETURN(RootState state, inner_->GetRootState());
  if (state != RootState::kPopulated || rules_.empty()) return state;
  // Populated only if something survives the rules; the walk stops at the first survivor
  // (the sentinel status is ours, never returned).
  bool any = false;
  Status walked = inner_->List([&](ReplicaEntry e) {
    if (rules_.Excludes(e.path, e.kind)) return Status::OK();
    any = true;
    return Status::Cancelled("found a visible entry");
  });
  if (!any && !walked.ok()) return walked;
  return any ? RootState::kPopulated : RootState::kEmpty;
}

Status ExcludingReplica::List(const std::function<Status(ReplicaEntry)>& visit) {
  if (rules_.empty()) return inner_->List(visit);
  return inner_->List([&](ReplicaEntry e) {
    if (rules_.Excludes(e.path, e.kind)) return Status::OK();
    return visit(std::move(e));
  });
}

}  // namespace ferry::sync
