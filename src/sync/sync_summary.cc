#include "sync/sync_summary.h"

#include <cstdio>

namespace ferry::sync {

SyncSummary SummarizeSync(const SyncReport& report, bool dry_run) {
  SyncSummary s;
  s.dry_run = dry_run;
  s.conflicts = report.plan.conflicts.size();
  s.unresolved = report.plan.unresolved_conflicts();
  s.skipped = report.plan.skipped.size();
  s.duration_ms = report.duration_ns / 1000000;
  const std::vector<ActionOutcome>* outcomes =
      report.executed ? &report.executed->outcomes : nullptr;
  for (size_t i = 0; i < report.plan.actions.size(); ++i) {
    const SyncAction& act = report.plan.actions[i];
    if (outcomes != nullptr && i < outcomes->size()) {
      const ActionOutcome& o = (*outcomes)[i];
      if (o.result == ActionResult::kChanged) {
        ++s.skipped;
        continue;
      }
      if (o.result == ActionResult::kFailed) {
        ++s.failed;
        continue;
      }
    }
    switch (act.op) {
      case ActionOp::kRename:
        ++s.renamed;
        break;
      case ActionOp::kDelete:
      case ActionOp::kRemoveDir:
        ++s.deleted;
        break;
      case ActionOp::kCopy:
      case ActionOp::kMakeDir:
        ++(act.target.present ? s.updated : s.created);
        if (act.op == ActionOp::kCopy && act.source.kind == EntryKind::kFile) {
          s.bytes += act.source.size;
        }
        break;
    }
  }
  return s;
}

int SyncExitCode(const SyncSummary& summary, const SyncReport& report) {
  if (summary.unresolved > 0) return 4;
  if (summary.failed > 0) return 1;
  if (report.executed && report.executed->changed > 0) return 1;
  return 0;
}

nlohmann::ordered_json SyncSummaryToJson(const SyncSummary& s) {
  return {
      {"dry_run", s.dry_run}, {"created", s.created},        {"updated", s.updated},
      {"deleted", s.deleted}, {"renamed", s.renamed},        {"skipped", s.skipped},
      {"failed", s.failed},   {"conflicts", s.conflicts},    {"unresolved_conflicts", s.unresolved},
      {"bytes", s.bytes},     {"duration_ms", s.duration_ms}};
}

std::string FormatSyncSummary(const SyncSummary& s) {
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.2f", static_cast<double>(s.duration_ms) / 1000.0);
  return std::string(s.dry_run ? "dry run, would be: " : "") + "created " +
         std::to_string(s.created) + ", updated " + std::to_string(s.updated) + ", deleted " +
         std::to_string(s.deleted) + ", renamed " + std::to_string(s.renamed) + ", skipped " +
         std::to_string(s.skipped) + ", failed " + std::to_string(s.failed) + ", conflicts " +
         std::to_string(s.conflicts) + " (" + std::to_string(s.unresolved) + " unresolved) in " +
         seconds + " s\n";
}

}  // namespace ferry::sync
