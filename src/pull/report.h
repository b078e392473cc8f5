// SyncReport: what one pull did, per type, like the seed's SyncReport, plus what the audit
// found and healed; rendered as a text summary or as the `--json` document:
//
//   {"direct_tables":  {"added": 1, "updated": 0, "removed": 0,
//                       "errors": [{"name": "orders", "error": "..."}]},
//    "data_packages":  {... errors: [{"package": "sales", "name": "orders", "error": "..."}],
//                       "packages": {"added": 2, "updated": 0, "removed": 0}},
//    "memory_domains": {... errors: [{"slug": "playbook", "error": "..."}]},
//    "invariant_violations": ["..."],   // found by the audit and NOT healed
//    "healed": ["..."],                 // found by the audit and healed
//    "notes": ["..."],                  // e.g. files ferry did not create, left in place
//    "summary": ["..."],                // one line per kind of disk error (see below)
//    "bytes_downloaded": 123, "duration_s": 0.42,
//    "manifest": "downloaded"}        // or "unchanged": the server answered 304 and the
//                                     // cached manifest was used (PROTOCOL.md)
//
// What is counted: direct tables count tables, memory domains count domains, and data packages
// count table references (a table in two packages is two), as the seed's report did; the
// data_packages "packages" object counts the distinct packages those references are in.
//
// Errors of the local disk (kNoSpace: a full disk or quota, or not enough room to start a
// download; kPermissionDenied: a workspace path this user may not write) hit every table the
// same way, so the text summary prints one line per kind instead of one per table: what
// failed, how many tables, the first error (which names the path), and what to do. The JSON
// document still lists each table's error, and the same lines under "summary".
//
// Thread-safety: plain values.
#ifndef FERRY_PULL_REPORT_H_
#define FERRY_PULL_REPORT_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "ferry/status.h"

namespace ferry::pull {

struct EntryErrorReport {
  std::string package;  // data_packages only
  std::string name;     // table name, or the domain slug for memory_domains
  std::string error;
  StatusCode code = StatusCode::kOk;  // the failure's code (kOk: not recorded)
};

struct TypeReport {
  int added = 0;
  int updated = 0;
  int removed = 0;
  std::vector<EntryErrorReport> errors;
  // data_packages only: the slugs of the packages that references were added to, updated in,
  // removed from.
  std::set<std::string> added_in, updated_in, removed_from;
};

struct SyncReport {
  TypeReport direct_tables;
  TypeReport data_packages;
  TypeReport memory_domains;
  std::vector<std::string> invariant_violations;
  std::vector<std::string> healed;
  std::vector<std::string> notes;
  uint64_t bytes_downloaded = 0;
  uint64_t bytes_hashed = 0;  // bytes read to verify existing files (0 on a no-op pull)
  double duration_s = 0;
  bool manifest_unchanged = false;  // a 304: planned from .ferry/manifest.cache

  int total_changes() const;  // added + updated + removed over the three types
  int total_errors() const;
};

// True for the codes summed up in one line (kNoSpace, kPermissionDenied).
bool IsDiskErrorCode(StatusCode code);

// One line per disk error code present, e.g. "error: 3 tables not synced: no space left on
// the disk (first: <message>); free space on that filesystem and run `ferry pull` again".
std::vector<std::string> DiskErrorSummaries(const SyncReport& report);

nlohmann::json SyncReportToJson(const SyncReport& report);

// One line per type saying what it counts, e.g.
//   direct tables: 1 added, 0 updated, 0 removed
//   data packages (table references): 5 added in 2 packages, 0 updated, 1 removed from 1 package
//   memory domains: 1 added, 0 updated, 0 removed
// then each error (but disk errors: DiskErrorSummaries), violation, healed item and note on its own
// line, then the bytes and time.
std::string FormatSyncReportText(const SyncReport& report);

}  // namespace ferry::pull

#endif  // FERRY_PULL_REPORT_H_
