#include "store/reference_counts.h"

namespace ferry {

ReferenceCounts::ReferenceCounts(const SyncState& state) {
  for (const TableRef* ref : AllReferences(state)) Add(ref->shared_path);
}

int ReferenceCounts::count(std::string_view shared_path) const {
  auto it = counts_.find(shared_path);
  return it == counts_.end() ? 0 : it->second;
}

void ReferenceCounts::Add(const std::string& shared_path) { ++counts_[shared_path]; }

int ReferenceCounts::Remove(const std::string& shared_path) {
  auto it = counts_.find(shared_path);
  if (it == counts_.end()) return 0;
  if (--it->second > 0) return it->second;
  counts_.erase(it);
  return 0;
}

}  // namespace ferry
