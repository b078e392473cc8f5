// ExcludeRules: the --exclude patterns of `ferry sync`, rsync/rclone-like globs matched
// against a replica-relative path (docs/SYNC.md "Excludes" is the reference):
//
//   *        any run of characters except '/'
//   ?        one character except '/'
//   **       any run of characters, '/' included ("a/**/b" also matches "a/b")
//   /PAT     anchored: PAT must match the whole path from the root
//   PAT      unanchored: PAT must match the whole of some trailing part of the path that
//            starts at a component ("*.o" matches "x.o" and "src/x.o"; "build/out" matches
//            "build/out" and "a/build/out")
//   PAT/     only directories (and so everything under them)
// Every other character is literal (no [...] classes, no escapes). A path is excluded when it
// or any of its parent directories matches a rule, so an excluded directory takes its whole
// subtree with it.
//
// Thread-safety: immutable after the Add calls; Excludes is const and may run concurrently.
#ifndef FERRY_SYNC_EXCLUDE_RULES_H_
#define FERRY_SYNC_EXCLUDE_RULES_H_

#include <string>
#include <string_view>
#include <vector>

#include "ferry/status.h"
#include "sync/replica_entry.h"

namespace ferry::sync {

// True when `pattern` matches all of `text` with the glob rules above.
bool GlobMatch(std::string_view pattern, std::string_view text);

class ExcludeRules {
 public:
  // Adds one pattern; an empty one, or one that is only slashes, is kInvalidArgument naming
  // it.
  Status Add(std::string_view pattern);

  bool empty() const { return rules_.empty(); }

  // True when `path` (kind `kind`) or one of its parent directories is excluded.
  bool Excludes(std::string_view path, EntryKind kind) const;

 private:
  struct Rule {
    std::string body;  // without the leading '/' and the trailing '/'
    bool anchored = false;
    bool dirs_only = false;
  };
  // `path` itself, not its parents.
  bool Matches(std::string_view path, bool is_dir) const;

  std::vector<Rule> rules_;
};

}  // namespace ferry::sync

#endif  // FERRY_SYNC_EXCLUDE_RULES_H_
