// The pull executor: applies a Plan (plan.h) to a workspace through the Env, re-checking what
// it is about to change, and produces the state to record and the per-type counts.
//
// Crash safety: at every instant the disk and sync_state.json are such that the next pull
// (plus its audit) converges, and no reference path ever shows partial bytes.
//   1. Canonicals are downloaded to .ferry/partial and renamed in whole (InstallCanonical):
//      a crash leaves at worst an unreferenced canonical (adopted by the next pull when the
//      manifest still wants it, else removed by the audit as an orphan) or a partial (resumed).
//   2. Before any reference is made, the state is saved with every entry about to be
//      (re)linked and every new bundle (md5 "" so it is re-fetched): "intent first". A crash
//      then leaves state entries whose references are missing or stale, which the next pull
//      re-creates because it checks them (Linker::IsReferenceCurrent) rather than trusting
//      the state; it never leaves a reference on disk that no state entry names. Steps 1-3
//      overlap per batch of tables: as canonicals arrive, their links are recorded (one
//      state save per batch), then made, while the other downloads go on; a link is only
//      ever recorded once its canonical is installed. With --jobs 1 a batch is one table,
//      handled before the next download starts.
//   3. References are replaced atomically by the Linker.
//   4. Removals go disk first, state after: a crash leaves state entries whose files are
//      already gone, which the next pull removes again (a no-op) and forgets.
//   5. The final state is saved.
// A no-op plan writes nothing but the final state (whose last_sync_unix changes, as in the
// seed): nothing under data/ or memory/ is touched.
//
// Failure handling per entry: a table whose download failed keeps its previous entry and
// reference (and its previous canonical, whose count is then not released); a reference that
// cannot be made keeps its previous entry; a bundle that cannot be fetched keeps its previous
// file. Each such failure is one error in the report; the rest of the plan goes on.
//
// Thread-safety: one executor per pull, called from one thread. Downloads fan out inside the
// Downloader on threads of their own; the links of the tables they bring are made on the
// calling thread (with --jobs 1, on the one download worker, while the caller waits).
#ifndef FERRY_PULL_EXECUTOR_H_
#define FERRY_PULL_EXECUTOR_H_

#include <functional>
#include <set>
#include <string>

#include "base/path.h"
#include "ferry/env.h"
#include "ferry/progress.h"
#include "pull/downloader.h"
#include "pull/plan.h"
#include "pull/report.h"
#include "store/digest_cache.h"
#include "store/linker.h"
#include "store/sync_state.h"
#include "store/workspace_layout.h"

namespace ferry::pull {

// Fetches a bundle's bytes and writes them atomically to `action.path`.
using BundleWriter = std::function<Status(const BundleAction& action)>;

struct ExecutorDeps {
  Env* env = nullptr;
  const WorkspaceLayout* layout = nullptr;
  Linker* linker = nullptr;
  DigestCache* cache = nullptr;
  Downloader* downloader = nullptr;
  BundleWriter write_bundle;
  // Optional: receives the ref_paths known correct after this run (observed current, or
  // made), so the audit that follows need not check them again. Views into `plan`.
  PathViewSet* verified_refs = nullptr;
  int jobs = 1;  // parallel unlinks when dropping many references
  // Optional: writes the final record (sync_state.json). Default: SaveSyncState. The pull
  // engine passes one that finishes the write while the audit runs (pull_engine.cc).
  std::function<Status(const SyncState& state)> save_record;
  // Optional: receives reference_made and removed events (pull_events.h).
  ProgressSink* progress = nullptr;
};

// Applies `plan` over `previous`. *next receives the state to record (already saved to
// layout.state_path() when OK), *report the counts and per-entry errors. Returns non-OK only
// when the pull must stop as a whole: the server refused the token (kUnauthorized), or the
// state file cannot be written.
Status ExecutePlan(const Plan& plan, const SyncState& previous, const ExecutorDeps& deps,
                   SyncState* next, SyncReport* report);

}  // namespace ferry::pull

#endif  // FERRY_PULL_EXECUTOR_H_
