// The pull planner: a pure function from (manifest, recorded state, observations of the disk)
// to a Plan (plan.h). It performs no I/O; ObserveWorkspace (observe.h) gathers the only facts
// about the disk it needs, so the planner is tested without any filesystem.
//
// Semantics, following the seed engine (000) per type, with its defects fixed:
// - direct_tables: one reference per name under data/_direct/; data_packages: one per
//   (slug, name) under data/<slug>/; memory_domains: one bundle per slug.
// - added: a name with no previous entry. updated: a name whose previous entry had another
//   table id or md5 — counted for EVERY reference of a changed table (the seed counts only the
//   first reference it fetched for). removed: per direct name, per package table reference,
//   per domain; a table turned remote / server_only is dropped and counted as removed (the
//   seed forgot it in the state but left its file on disk).
// - A canonical is fetched when it is missing or does not verify against the manifest's md5
//   (the observation); one fetch per table id however many entries share it. Two entries
//   naming one id with different md5s are inconsistent: the first wins, the others are
//   entry errors.
// - Entries the manifest refused keep their previous state entries as they are.
//
// Thread-safety: pure functions.
#ifndef FERRY_PULL_PLANNER_H_
#define FERRY_PULL_PLANNER_H_

#include <set>
#include <string>
#include <unordered_set>

#include "base/path.h"
#include "pull/manifest.h"
#include "pull/plan.h"
#include "store/sync_state.h"
#include "store/workspace_layout.h"

namespace ferry::pull {

// What ObserveWorkspace saw.
struct Observations {
  // Table ids of wanted canonicals that exist and verify against the manifest's md5.
  std::unordered_set<std::string> canonical_ok;
  // Entries of the previous state (pointers into the SyncState given to ObserveWorkspace and
  // MakePlan) that are already correct references to the canonical the manifest wants under
  // the same name (Linker::IsReferenceCurrent). Pointers, not paths: a no-op pull asks about
  // every reference, and hashing a pointer is far cheaper than hashing a path.
  std::unordered_set<const TableRef*> current_refs;
  // Bundle paths that exist.
  PathSet present_bundles;
};

// `placeholder` is the strategy recorded for a reference not yet linked (the first of the
// link order); the executor records the one actually used.
Plan MakePlan(const Manifest& manifest, const SyncState& previous, const Observations& seen,
              const WorkspaceLayout& layout, LinkStrategy placeholder);

}  // namespace ferry::pull

#endif  // FERRY_PULL_PLANNER_H_
