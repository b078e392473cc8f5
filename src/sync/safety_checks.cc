#include "sync/safety_checks.h"

#include <charconv>

namespace ferry::sync {

Result<DeleteLimit> ParseDeleteLimit(std::string_view text) {
  DeleteLimit limit;
  std::string_view digits = text;
  limit.percent = !text.empty() && text.back() == '%';
  if (limit.percent) digits.remove_suffix(1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), limit.value);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
      (limit.percent && limit.value > 100)) {
    return Status::InvalidArgument("--max-delete '" + std::string(text) +
                                   "' is not a number of files (50) or a percentage (50%)");
  }
  return limit;
}

uint64_t CountDeletions(const SyncPlan& plan, Side side) {
  uint64_t n = 0;
  for (const SyncAction& act : plan.actions) {
    if (act.op == ActionOp::kDelete && act.side == side) ++n;
  }
  return n;
}

Status CheckDeleteLimit(const SyncPlan& plan, const Baseline& baseline, const DeleteLimit& limit) {
  uint64_t files = 0;
  for (const BaselineRecord& r : baseline.records()) {
    if (r.kind != EntryKind::kDir) ++files;
  }
  for (Side side : {Side::kA, Side::kB}) {
    uint64_t deletions = CountDeletions(plan, side);
    if (deletions == 0) continue;
    bool over = limit.percent ? files > 0 && deletions * 100 > limit.value * files
                              : deletions > limit.value;
    if (!over) continue;
    std::string limit_text = std::to_string(limit.value) + (limit.percent ? "%" : "");
    const std::string& id = side == Side::kA ? baseline.id_a() : baseline.id_b();
    return Status::Refused("sync would delete " + std::to_string(deletions) + " of " +
                           std::to_string(files) + " files on " + std::string(SideName(side)) +
                           (id.empty() ? "" : " (" + id + ")") + ", more than --max-delete " +
                           limit_text +
                           "; check both replicas, then raise --max-delete or pass --force");
  }
  return Status::OK();
}

Status CheckRootsPresent(RootState a, RootState b, const Baseline& baseline) {
  for (Side side : {Side::kA, Side::kB}) {
    RootState state = side == Side::kA ? a : b;
    const std::string& id = side == Side::kA ? baseline.id_a() : baseline.id_b();
    std::string name = std::string(SideName(side)) + (id.empty() ? "" : " (" + id + ")");
    if (state == RootState::kMissing) {
      return Status::Refused("replica " + name +
                             " does not exist; mount or create it, or pass --force");
    }
    if (state == RootState::kEmpty && !baseline.empty()) {
      return Status::Refused("replica " + name + " is empty while the last sync recorded " +
                             std::to_string(baseline.size()) +
                             " entries; is it mounted? Pass --force to empty the other side");
    }
  }
  return Status::OK();
}

}  // namespace ferry::sync
