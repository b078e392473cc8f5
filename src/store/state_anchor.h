// AnchorStateToWorkspace: makes a loaded sync_state.json describe this workspace and nothing
// else, whatever paths the file carries.
//
// sync_state.json records absolute paths ("shared_path", "ref_path", a bundle's "path")
// because the seed's readers expect them. They are written, never trusted: every path ferry
// acts on is derived from the workspace root and the entry's names (table id, table name,
// package slug, domain slug) through WorkspaceLayout. After anchoring, each kept entry's paths
// are exactly the layout's, so no later step (plan, drop, heal) can reach outside the root.
//
// Per entry, the recorded path is compared with the layout's path relative to the root
// (e.g. "data/_shared/orders.parquet"):
//   - the same absolute path: kept;
//   - the relative path itself, or another path that ends with "/<that relative path>": the
//     workspace was copied or moved (cp -a, mv, a backup restored elsewhere, another mount
//     point), or the seed's client wrote it with a relative workspace: kept, re-anchored here;
//     for an absolute path `moved_from` names the old root. The old root is never touched;
//   - anything else (a path outside the workspace, or one where the layout does not put that
//     entry): reported in `problems` (the audit reports it as a violation; the pull as healed)
//     and replaced by the layout's path, so the recorded path is never acted on, and what the
//     entry made inside the workspace is still tracked (removed when the table leaves);
//   - an entry whose names (table id, table name, slug) are not safe path segments has no
//     layout path at all: dropped, and reported in `problems`.
//
// Thread-safety: pure function over its arguments.
#ifndef FERRY_STORE_STATE_ANCHOR_H_
#define FERRY_STORE_STATE_ANCHOR_H_

#include <string>
#include <vector>

#include "store/sync_state.h"
#include "store/workspace_layout.h"

namespace ferry {

struct AnchorOutcome {
  std::vector<std::string> problems;  // one line per entry that named a path elsewhere
  std::string moved_from;             // the root the state was written in, when not this one
};

AnchorOutcome AnchorStateToWorkspace(const WorkspaceLayout& layout, SyncState* state);

}  // namespace ferry

#endif  // FERRY_STORE_STATE_ANCHOR_H_
