// SyncPlan: what one `ferry sync` will do to a pair of replicas, as Reconcile (reconcile.h)
// computes it and the executor applies it (docs/SYNC.md "The plan file").
//
// Every action carries its preconditions: what the executor must find, just before acting, at
// the paths it touches (Expectation). A path changed since it was observed fails its
// precondition and the action is skipped and reported, never applied.
//
// Order of application, which is the order of SyncPlan::actions (SortActionsForExecution):
//   1. renames      (rename detection, keep-both's loser moved aside)
//   2. deletes      files and links, each moved to the backup area first
//   3. rmdirs       deepest first (their contents went in step 2)
//   4. mkdirs       shallowest first
//   5. copies       files and links; the version replaced is kept in the backup area first
//
// Thread-safety: plain values and pure functions.
#ifndef FERRY_SYNC_PLAN_H_
#define FERRY_SYNC_PLAN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sync/baseline.h"
#include "sync/content_hash.h"
#include "sync/observe.h"
#include "sync/replica_entry.h"

namespace ferry::sync {

enum class Direction : uint8_t { kBoth, kAToB, kBToA };

enum class ConflictPolicy : uint8_t {
  kNewer,     // larger mtime wins; ties: larger size, then larger hash (docs/SYNC.md)
  kA,         // replica A wins
  kB,         // replica B wins
  kOlder,     // smaller mtime wins; ties as kNewer
  kLarger,    // larger size wins; ties: larger mtime, then larger hash
  kKeepBoth,  // winner as kNewer; the loser is kept under a conflict name on both sides
  kSkip,      // both left untouched, reported
  kManual,    // both left untouched, reported (a person decides)
};

std::string_view DirectionName(Direction d);            // "both", "a-to-b", "b-to-a"
std::string_view ConflictPolicyName(ConflictPolicy p);  // "newer", "a", ... "manual"
// The inverses; kInvalidArgument naming the accepted words.
Result<Direction> ParseDirection(std::string_view text);
Result<ConflictPolicy> ParseConflictPolicy(std::string_view text);

// What a path must hold for an action to go ahead. `present == false` means "nothing there".
// The stamp (mtime_ns, inode) lets the executor skip re-hashing when nothing moved; kind, size
// and hash decide.
struct Expectation {
  bool present = false;
  EntryKind kind = EntryKind::kFile;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t inode = 0;
  uint32_t mode = 0;
  ContentHash hash{};
};

// The expectation of an observed version (absent for a deleted or absent one).
Expectation ExpectationOf(const Observed& o);

enum class ActionOp : uint8_t { kRename, kDelete, kRemoveDir, kMakeDir, kCopy };
std::string_view ActionOpName(ActionOp op);  // "rename", "delete", "rmdir", "mkdir", "copy"

struct SyncAction {
  ActionOp op = ActionOp::kCopy;
  Side side = Side::kB;  // the replica this action changes (for a copy: the target)
  std::string path;      // for a rename: the old path
  std::string to_path;   // rename only: the new path
  // kCopy: the version on the other side (the source); kRename: the version at `path`;
  // kMakeDir: the directory on the other side (its mode). Absent otherwise.
  Expectation source;
  // What is at `path` (kRename: at `to_path`) on `side` now; present means it is replaced or
  // removed, and kept in the backup area first.
  Expectation target;
  std::string why;  // for people: "modified on a", "conflict (newer): a wins", "renamed on a"
};

struct Conflict {
  std::string path;
  Expectation a;
  Expectation b;
  ConflictPolicy policy = ConflictPolicy::kNewer;
  std::optional<Side> winner;  // none: both left untouched
  std::string note;            // why it was not resolved, when it was not
};

struct SkippedPath {
  std::string path;
  std::string reason;
};

struct SyncPlan {
  std::vector<SyncAction> actions;  // in execution order
  std::vector<Conflict> conflicts;  // resolved ones too (their actions are in `actions`)
  std::vector<SkippedPath> skipped;
  // How many paths changed on both sides to the same content ("updated equally"): no action,
  // a new baseline record, which NewBaseline derives from the observations. A count, not the
  // paths: at a first sync of two identical trees that is every path (6.4 MB of strings at
  // 100,000 files).
  uint64_t equal = 0;

  bool empty() const { return actions.empty(); }
  // Conflicts left untouched (no winner): exit 4.
  size_t unresolved_conflicts() const;
};

// Sorts actions into the order of the header comment.
void SortActionsForExecution(std::vector<SyncAction>* actions);

// "<dir>/<stem>.conflict-<a|b>-<YYYYmmdd-HHMMSS><.ext>" in UTC: where keep-both puts the
// loser. The extension is the last one of the base name; a dotfile ".x" has none.
std::string ConflictCopyPath(std::string_view path, Side loser, int64_t time_ns);

// ".ferry-trash/<YYYYmmdd-HHMMSS>/<path>" (UTC, the sync's start): where a replaced or
// deleted version goes.
std::string BackupPathFor(std::string_view path, int64_t started_at_ns);

// "20260101-000000" for 2026-01-01T00:00:00Z.
std::string CompactUtcTime(int64_t time_ns);

}  // namespace ferry::sync

#endif  // FERRY_SYNC_PLAN_H_
