// SyncSummary: the counts a `ferry sync` ends with (the seed's SyncResult), printed as the
// closing lines, as `--json`'s object and in the `sync_completed` event (docs/EVENTS.md),
// and the exit code they mean (README "Exit codes").
//
// Under a dry run the counts say what the plan would do; otherwise what was done.
//
// Thread-safety: plain values and pure functions.
#ifndef FERRY_SYNC_SYNC_SUMMARY_H_
#define FERRY_SYNC_SYNC_SUMMARY_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "sync/sync_engine.h"

namespace ferry::sync {

struct SyncSummary {
  bool dry_run = false;
  uint64_t created = 0;  // copies and mkdirs onto an empty path
  uint64_t updated = 0;  // copies over an existing version (kept in the backup area)
  uint64_t deleted = 0;  // deletes and rmdirs (kept in the backup area)
  uint64_t renamed = 0;
  uint64_t skipped = 0;     // one-way skips, plus actions skipped because a path changed
  uint64_t failed = 0;      // actions a replica refused
  uint64_t conflicts = 0;   // all conflicts, resolved or not
  uint64_t unresolved = 0;  // conflicts left untouched (skip, manual, dir vs file)
  uint64_t bytes = 0;       // bytes of the files copied (or to copy)
  int64_t duration_ms = 0;
};

SyncSummary SummarizeSync(const SyncReport& report, bool dry_run);

// 4 with unresolved conflicts; else 1 when an action failed or was skipped because its path
// changed during the sync; else 0. (One-way skips alone are 0: the direction asked for them.)
int SyncExitCode(const SyncSummary& summary, const SyncReport& report);

// {"dry_run", "created", "updated", "deleted", "renamed", "skipped", "failed", "conflicts",
//  "unresolved_conflicts", "bytes", "duration_ms"}
nlohmann::ordered_json SyncSummaryToJson(const SyncSummary& summary);

// "created 2, updated 1, deleted 0, renamed 1, skipped 0, failed 0, conflicts 1 (1
// unresolved) in 0.04 s\n" (with "would be" wording under a dry run: "dry run: created 2...").
std::string FormatSyncSummary(const SyncSummary& summary);

}  // namespace ferry::sync

#endif  // FERRY_SYNC_SYNC_SUMMARY_H_
