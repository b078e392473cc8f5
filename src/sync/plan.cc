#include "sync/plan.h"

#include <algorithm>
#include <ctime>

#include "base/path.h"

namespace ferry::sync {

std::string_view DirectionName(Direction d) {
  switch (d) {
    case Direction::kBoth:
      return "both";
    case Direction::kAToB:
      return "a-to-b";
    case Direction::kBToA:
      return "b-to-a";
  }
  return "both";
}

std::string_view ConflictPolicyName(ConflictPolicy p) {
  switch (p) {
    case ConflictPolicy::kNewer:
      return "newer";
    case ConflictPolicy::kA:
      return "a";
    case ConflictPolicy::kB:
      return "b";
    case ConflictPolicy::kOlder:
      return "older";
    case ConflictPolicy::kLarger:
      return "larger";
    case ConflictPolicy::kKeepBoth:
      return "keep-both";
    case ConflictPolicy::kSkip:
      return "skip";
    case ConflictPolicy::kManual:
      return "manual";
  }
  return "newer";
}

Result<Direction> ParseDirection(std::string_view text) {
  for (Direction d : {Direction::kBoth, Direction::kAToB, Direction::kBToA}) {
    if (DirectionName(d) == text) return d;
  }
  return Status::InvalidArgument("unknown sync direction '" + std::string(text) +
                                 "'; use both, a-to-b or b-to-a");
}

Result<ConflictPolicy> ParseConflictPolicy(std::string_view text) {
  for (ConflictPolicy p :
       {ConflictPolicy::kNewer, ConflictPolicy::kA, ConflictPolicy::kB, ConflictPolicy::kOlder,
        ConflictPolicy::kLarger, ConflictPolicy::kKeepBoth, ConflictPolicy::kSkip,
        ConflictPolicy::kManual}) {
    if (ConflictPolicyName(p) == text) return p;
  }
  return Status::InvalidArgument("unknown conflict policy '" + std::string(text) +
                                 "'; use newer, a, b, older, larger, keep-both, skip or manual");
}

Expectation ExpectationOf(const Observed& o) {
  Expectation e;
  if (!o.present()) return e;
  e.present = true;
  e.kind = o.kind;
  e.size = o.size;
  e.mtime_ns = o.mtime_ns;
  e.inode = o.inode;
  e.mode = o.mode;
  e.hash = o.hash;
  return e;
}

std::string_view ActionOpName(ActionOp op) {
  switch (op) {
    case ActionOp::kRename:
      return "rename";
    case ActionOp::kDelete:
      return "delete";
    case ActionOp::kRemoveDir:
      return "rmdir";
    case ActionOp::kMakeDir:
      return "mkdir";
    case ActionOp::kCopy:
      return "copy";
  }
  return "copy";
}

size_t SyncPlan::unresolved_conflicts() const {
  return std::count_if(conflicts.begin(), conflicts.end(),
                       [](const Conflict& c) { return !c.winner.has_value(); });
}

void SortActionsForExecution(std::vector<SyncAction>* actions) {
  std::stable_sort(actions->begin(), actions->end(), [](const SyncAction& x, const SyncAction& y) {
    if (x.op != y.op) return x.op < y.op;
    // Deepest first for rmdir: a child "d/x" sorts after its parent "d".
    if (x.op == ActionOp::kRemoveDir) return y.path < x.path;
    if (x.path != y.path) return x.path < y.path;
    return x.side < y.side;
  });
}

std::string CompactUtcTime(int64_t time_ns) {
  std::time_t seconds = static_cast<std::time_t>(time_ns / 1000000000);
  if (time_ns < 0 && time_ns % 1000000000 != 0) --seconds;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  size_t n = std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  return std::string(buf, n);
}

std::string ConflictCopyPath(std::string_view path, Side loser, int64_t time_ns) {
  size_t slash = path.rfind('/');
  std::string_view dir = slash == std::string_view::npos ? "" : path.substr(0, slash + 1);
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  size_t dot = name.rfind('.');
  std::string_view stem = name;
  std::string_view ext;
  if (dot != std::string_view::npos && dot != 0) {
    stem = name.substr(0, dot);
    ext = name.substr(dot);
  }
  std::string out(dir);
  out += stem;
  out += ".conflict-";
  out += SideName(loser);
  out += '-';
  out += CompactUtcTime(time_ns);
  out += ext;
  return out;
}

std::string BackupPathFor(std::string_view path, int64_t started_at_ns) {
  return ".ferry-trash/" + CompactUtcTime(started_at_ns) + "/" + std::string(path);
}

}  // namespace ferry::sync
