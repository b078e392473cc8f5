// ReferenceCounts: how many references in the state point at each shared canonical.
//
// Counts are derived from the state (sync_state.json), never from walking data/ as the seed
// did, so dropping a package of N tables costs O(N) hash-map updates instead of
// O(N x every reference on disk). The audit is what reconciles the state with the disk; the
// counts trust the state.
//
// Keys are shared paths exactly as recorded (absolute strings); no normalisation happens here,
// so callers build them with WorkspaceLayout::shared_path like the state does.
//
// Thread-safety: not thread-safe; one owner (the pull's apply step) updates it.
#ifndef FERRY_STORE_REFERENCE_COUNTS_H_
#define FERRY_STORE_REFERENCE_COUNTS_H_

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/sync_state.h"

namespace ferry {

class ReferenceCounts {
 public:
  ReferenceCounts() = default;
  // One count per reference in `state` (direct and package alike).
  explicit ReferenceCounts(const SyncState& state);

  // 0 for a path no reference points at.
  int count(std::string_view shared_path) const;
  void Add(const std::string& shared_path);
  // Returns the new count, never below 0 (removing an unknown path is a no-op returning 0).
  // A path whose count reaches 0 is forgotten.
  int Remove(const std::string& shared_path);
  // Number of distinct shared paths with a count above 0.
  size_t size() const { return counts_.size(); }

 private:
  // Transparent hashing so count(string_view) does not allocate.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, int, Hash, std::equal_to<>> counts_;
};

}  // namespace ferry

#endif  // FERRY_STORE_REFERENCE_COUNTS_H_
