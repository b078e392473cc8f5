// Workspace scan: a read-only look at what is on disk, for the audit, which compares it with
// sync_state.json and rebuilds a lost or corrupt state from it.
//
// What counts as what:
// - a reference is an entry named "<name>.parquet" directly inside data/_direct/ or
//   data/<slug>/ (any subdirectory of data/ except _shared): a symlink, a regular file, or a
//   directory (a partitioned table's reference);
// - a shared canonical is an entry named "<id>.parquet" in data/_shared/;
// - temp names (IsStoreTempName) are neither: they are leftovers of a crash.
// Strategy guesses: a symlink is kSymlink (its target resolved lexically); a file or
// directory whose (device, inode) -- for a directory, of its first part -- matches a canonical
// file's is kHardlink of that canonical; anything else is kCopy with no target (a reflink
// cannot be told from a copy, and a copy's canonical can only be found by content).
//
// Nothing here follows a symlink into another directory or reads file bytes.
//
// Thread-safety: free functions; as safe as the Env.
#ifndef FERRY_STORE_WORKSPACE_SCAN_H_
#define FERRY_STORE_WORKSPACE_SCAN_H_

#include <string>
#include <vector>

#include "ferry/env.h"
#include "ferry/status.h"
#include "store/sync_state.h"
#include "store/workspace_layout.h"

namespace ferry {

struct ObservedReference {
  std::string dir;       // "_direct" or the package slug
  std::string name;      // without ".parquet"
  std::string ref_path;  // absolute
  LinkStrategy strategy_guess = LinkStrategy::kCopy;
  // For symlinks: where it points (lexically resolved, may not exist). For hardlinks: the
  // canonical with the same device and inode. Empty for copies.
  std::string target_shared_path;
  bool is_directory = false;  // a partitioned reference (or a symlink to a directory)
};

// Every reference under data/, sorted by (dir, name). A missing data/ is an empty result.
Result<std::vector<ObservedReference>> ScanReferences(Env* env, const WorkspaceLayout& layout);

// Absolute paths of the canonicals in data/_shared/ ("*.parquet" files and directories,
// temp names ignored), sorted. A missing _shared/ is an empty result.
Result<std::vector<std::string>> ScanSharedFiles(Env* env, const WorkspaceLayout& layout);

// Absolute paths of the temps ferry's atomic writers, linker and store left after a crash,
// anywhere under data/ and memory/ (a temp directory is reported, not descended into),
// sorted. An aside (src/store/content_store.h) whose canonical is missing is NOT reported:
// it is the only copy of that canonical; run RecoverInterruptedInstalls first.
Result<std::vector<std::string>> ScanLeftoverTemps(Env* env, const WorkspaceLayout& layout);

}  // namespace ferry

#endif  // FERRY_STORE_WORKSPACE_SCAN_H_
