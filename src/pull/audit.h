// The invariant audit (seed 000 `audit_invariants`, seed 002's four invariants), which heals
// rather than only warns. It runs at the end of every pull and alone as `ferry audit`.
//
// Findings (the strings start like the seed's, so readers of its warnings keep working):
//   "orphan _shared parquet: <name>"   a canonical no reference points at, in the state or on
//                                      disk -> heal: removed
//   "broken reference: <ref>"          a state entry whose reference is missing or stale
//                                      (not Linker::IsReferenceCurrent) -> heal: re-made
//   "dangling shared: <shared> ..."    a state entry whose canonical is missing -> only a pull
//                                      can heal it (it re-fetches); `ferry audit` reports it
//   "untracked reference: <ref>"       a link into _shared/ that no state entry names (a lost
//                                      or hand-edited state) -> heal: adopted into the state
//   "leftover temp file: <path>"       a temp of an interrupted atomic write -> heal: removed
//   "missing bundle: <path>"           a state domain without its bundle -> a pull re-fetches
//   "untracked bundle: <path>"         memory/<slug>/bundle.md that no state entry names ->
//                                      heal: adopted (token unknown, so the next pull
//                                      re-fetches it, or removes it if the domain is gone)
// Files that ferry did not create (an analyst's notes in data/sales/, a regular file that is
// no copy of any canonical) are never removed: they are reported as notes.
//
// A corrupt or hand-edited sync_state.json does not lose track of files:
// RebuildStateFromDisk recovers every reference from the disk (symlinks and hardlinks by
// identity, copies by content) and every bundle.
//
// Thread-safety: call from one thread, under the workspace lock when healing.
#ifndef FERRY_PULL_AUDIT_H_
#define FERRY_PULL_AUDIT_H_

#include <set>
#include <string>
#include <vector>

#include "base/path.h"
#include "ferry/env.h"
#include "store/digest_cache.h"
#include "store/linker.h"
#include "store/state_anchor.h"
#include "store/sync_state.h"
#include "store/workspace_layout.h"

namespace ferry::pull {

struct AuditFindings {
  std::vector<std::string> violations;  // found and not healed
  std::vector<std::string> healed;      // found and healed
  std::vector<std::string> notes;       // left in place on purpose
  bool state_changed = false;           // *state was modified (the caller saves it)

  bool clean() const { return violations.empty(); }
};

// What the caller already knows, so the audit at the end of a pull does not redo the pull's
// own checks (a no-op pull of 6,000 references must stay cheap).
struct AuditHints {
  // ref_paths verified current during this run (observed current or just made).
  const PathViewSet* current_refs = nullptr;
  // Skip the walk of every reference on disk unless some canonical in _shared/ is not named
  // by the state (only then can an untracked reference or an orphan exist that matters).
  // `ferry audit` always walks.
  bool walk_only_if_needed = false;
  // Look at .ferry/trash/ (canonicals a pull dropped and did not get to free). The pull
  // empties the trash itself while its audit runs, so it passes false.
  bool check_trash = true;
};

// Audits the workspace against *state; with `heal`, repairs what it can and updates *state.
Result<AuditFindings> AuditWorkspace(Env* env, const WorkspaceLayout& layout, SyncState* state,
                                     Linker* linker, DigestCache* cache, bool heal,
                                     const AuditHints& hints = {});

// The state the disk implies: every reference under data/ whose canonical can be identified,
// every memory bundle (md5 "" so the next pull re-fetches it). Unidentifiable files are
// listed in *notes.
Result<SyncState> RebuildStateFromDisk(Env* env, const WorkspaceLayout& layout, DigestCache* cache,
                                       std::vector<std::string>* notes);

// LoadSyncState, falling back to RebuildStateFromDisk when the file is corrupt; *rebuilt
// tells which happened (and *notes says why). Either way the state is then anchored to this
// workspace (src/store/state_anchor.h): every path in it is the layout's; entries that named
// a path elsewhere are listed in anchored->problems (may be null).
Result<SyncState> LoadOrRebuildState(Env* env, const WorkspaceLayout& layout, DigestCache* cache,
                                     bool* rebuilt, std::vector<std::string>* notes,
                                     AnchorOutcome* anchored = nullptr);

}  // namespace ferry::pull

#endif  // FERRY_PULL_AUDIT_H_
