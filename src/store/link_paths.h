// Path arithmetic for references: the relative symlink target that keeps a workspace movable,
// and the lexical resolution used to decide whether a symlink points at a canonical.
//
// Purely lexical (no filesystem access): "a/../b" is "b" even if "a" is a symlink. That is
// right here because every path involved is one ferry built from the workspace root, and the
// check must not follow links (a no-op pull stats nothing it does not have to).
//
// Thread-safety: pure functions.
#ifndef FERRY_STORE_LINK_PATHS_H_
#define FERRY_STORE_LINK_PATHS_H_

#include <string>
#include <string_view>

#include "base/path.h"  // NormalizePathLexically

namespace ferry {

// The relative path that leads from directory `from_dir` to `to` (both absolute):
// ("/ws/data/sales", "/ws/data/_shared/t1.parquet") -> "../_shared/t1.parquet".
std::string RelativePathBetween(std::string_view from_dir, std::string_view to);

// Where the symlink at `link_path` whose text is `target` points, lexically: an absolute
// target as is, a relative one joined onto the link's directory; normalized.
std::string ResolveSymlinkTarget(std::string_view link_path, std::string_view target);

}  // namespace ferry

#endif  // FERRY_STORE_LINK_PATHS_H_
