// The content store: the canonical copy of every table, data/_shared/<table_id>.parquet,
// which every reference (src/store/linker.h) exposes.
//
// Invariants:
// - A canonical is complete and verified: it only ever appears by a rename of a fully written,
//   fsynced, verified file (or staged directory of parts for a partitioned table).
// - Canonicals are read-only: files 0444, directories 0555 once filled, so that a hardlinked
//   reference cannot be edited into the store by accident.
//
// Replacing a directory canonical cannot be one rename (rename(2) will not replace a non-empty
// directory, and Env has no RENAME_EXCHANGE), so InstallCanonical does:
//   1. rename the old canonical aside to AsidePathFor(shared) = "<dir>/.<name>.ferry-old"
//   2. rename the staged directory in as <shared>
//   3. remove the aside
// RECOVERY RULE (RecoverInterruptedInstall, run by InstallCanonical itself for its path and
// by the audit for the whole store): an aside whose canonical is missing is the old canonical
// of a crash between steps 1 and 2 -> rename it back; an aside whose canonical exists is a
// leftover of a crash between steps 2 and 3 -> remove it. So after a crash at any step and
// recovery, the canonical is wholly old or wholly new, never missing when an old one existed.
//
// RecoverInterruptedInstall is not fsynced either: a recovery lost to a crash leaves the state
// it started from, which is recovered again before anything reads the store.
// Removal is not fsynced: a removal lost to a crash leaves an orphan canonical that the audit
// removes, which is cheaper than one directory fsync per dropped table.
//
// Thread-safety: free functions; safe concurrently for distinct shared paths (the workspace
// lock keeps a second process out).
#ifndef FERRY_STORE_CONTENT_STORE_H_
#define FERRY_STORE_CONTENT_STORE_H_

#include <string>
#include <string_view>
#include <vector>

#include "ferry/env.h"
#include "ferry/status.h"
#include "store/workspace_layout.h"

namespace ferry {

// Moves a verified file (or staged directory of parts) at `staged_path` to `shared_path`
// atomically and read-only (files 0444 and fsynced; directories 0555 after filling), creating
// the parent directory if needed, then fsyncs that directory. `staged_path` must be on the
// same filesystem (<root>/.ferry/partial is). On failure before the final rename the old
// canonical, if any, is still in place (or recoverable by the rule above after a crash).
Status InstallCanonical(Env* env, const std::string& staged_path, const std::string& shared_path);

// Removes a canonical (file or partitioned directory), making read-only directories writable
// first. A missing canonical is OK.
Status RemoveCanonical(Env* env, const std::string& shared_path);

// Unlinks in flight when removing many files. An unlink waits on the filesystem (the journal,
// and on a disk mounted with `discard` a TRIM per freed extent), not on a CPU, so more run at
// once than there are cores: 1,000 canonicals of 64 KiB on such a disk took 0.28 s one at a
// time and 0.15 s sixteen at a time.
inline constexpr int kParallelUnlinks = 16;

// Takes a canonical out of the store at once: a rename into <root>/.ferry/trash/, so that
// freeing its blocks (far slower than the rename on such a disk) can overlap other work
// (EmptyTrash). Falls back to RemoveCanonical when the rename cannot be done (data/ on
// another filesystem, a leftover directory of the same name in the trash). The trash
// directory must exist (the caller creates it once). A missing canonical is OK.
Status DiscardCanonical(Env* env, const WorkspaceLayout& layout, const std::string& shared_path);

// Removes everything in <root>/.ferry/trash/, `jobs` at a time: this pull's discards and the
// leftovers of an interrupted one (every pull empties it, so nothing stays there for long).
// A missing trash directory is OK.
Status EmptyTrash(Env* env, const WorkspaceLayout& layout, int jobs);

// Applies the recovery rule above to one canonical path. OK when there is nothing to do.
Status RecoverInterruptedInstall(Env* env, const std::string& shared_path);

// Applies the recovery rule to every aside in layout.shared_dir(); returns the canonical paths
// it restored or cleaned. Run it before ScanLeftoverTemps (src/store/workspace_scan.h).
Result<std::vector<std::string>> RecoverInterruptedInstalls(Env* env,
                                                            const WorkspaceLayout& layout);

// "<dir>/.<name>.ferry-old": where step 1 above parks the old canonical of `shared_path`.
std::string AsidePathFor(const std::string& shared_path);
// True for a base name made by AsidePathFor; *owner (may be null) gets the canonical's name.
bool IsAsideName(std::string_view name, std::string* owner);
// Every temp name the store or the atomic writers of src/base/file_util.h leave behind:
// IsTempName() or IsAsideName(). The linker builds its references at MakeTempPathFor() names.
bool IsStoreTempName(std::string_view name);

}  // namespace ferry

#endif  // FERRY_STORE_CONTENT_STORE_H_
