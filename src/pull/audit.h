// The invariant audit (seed 000 `audit_invariants`, seed 002's four invariants), which heals
// rather than only warns. It runs at the end of every pull and alone as `ferry audit`.
// Two phases: detection (AuditWorkspace) lists findings and the repairs that heal them,
// without writing anything; healing (HealWorkspace) applies those repairs and reports each
// one as healed or as failed with its reason.
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
//   "interrupted install: <shared>"    an aside of an interrupted canonical swap -> heal:
//                                      the rule of content_store.h (restored or removed)
//   "leftover temp file: <path>"       a temp of an interrupted atomic write -> heal: removed
//   "leftover trash: <path> ..."       a dropped canonical not yet freed -> heal: removed
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
#include "pull/plan.h"
#include "store/digest_cache.h"
#include "store/linker.h"
#include "store/state_anchor.h"
#include "store/sync_state.h"
#include "store/workspace_layout.h"

namespace ferry::pull {

// What detection saw. It never changes the disk or the state.
struct AuditFindings {
  std::vector<RepairAction> repairs;    // found, and healable without a server
  std::vector<std::string> violations;  // found, and only a pull can heal them
  std::vector<std::string> notes;       // left in place on purpose

  // The lines a listing prints as violations: every repair's finding, then the violations.
  std::vector<std::string> Unhealed() const;
};

// What applying the repairs did. Every repair ends up in exactly one of the two lists.
struct HealOutcome {
  std::vector<std::string> healed;  // the findings of the repairs that succeeded
  std::vector<std::string> failed;  // "<finding> (not healed: <why>)"
  Status first_failure;             // the first failed repair's Status (OK when none failed)
  bool state_changed = false;       // *state was modified (the caller saves it)
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
  // Look for the debris of an interrupted run (FindInterruptedRunDebris). The pull clears it
  // in its recovery phase, before it plans, so its closing audit passes false.
  bool check_debris = true;
};

// The debris of an interrupted run, which a pull clears before it plans (its recovery
// phase, Plan::repairs): interrupted installs, leftover temps and, with `check_trash`, the
// trash. Read-only; it checks no reference, so it costs a few directory listings.
Result<std::vector<RepairAction>> FindInterruptedRunDebris(Env* env, const WorkspaceLayout& layout,
                                                           bool check_trash);

// Detection: compares the disk with `state` and lists the repairs and violations. Read-only
// (safe without the lock). Assumes nothing about the disk; an interrupted install is listed
// first, and everything else is judged on the disk as it is (before that recovery).
Result<AuditFindings> AuditWorkspace(Env* env, const WorkspaceLayout& layout,
                                     const SyncState& state, Linker* linker, DigestCache* cache,
                                     const AuditHints& hints = {});

// Healing: applies `repairs` in order (the order AuditWorkspace lists them) and updates
// *state for the ones that change it. Assumes the workspace lock is held and that `repairs`
// came from AuditWorkspace over the same `state`. Never stops early and never drops a failure:
// each one is in HealOutcome::failed with its reason.
HealOutcome HealWorkspace(Env* env, const std::vector<RepairAction>& repairs, SyncState* state,
                          Linker* linker, DigestCache* cache);

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
