// Parts of a partitioned table: a table declared with `dir:` is every "*.parquet" file below
// that directory (recursively); a part's path is relative to the directory, '/'-separated.
//
// Confinement: a part is listed only if its path is a safe relative path (path.h) and its
// canonical location is a regular file inside the catalog's root, so a symlink that leads
// out of root (or a name with unsafe characters) is never served; it is logged and skipped.
//
// Thread-safety: pure functions over the filesystem of the Env given.
#ifndef FERRY_SERVE_PARTS_H_
#define FERRY_SERVE_PARTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "ferry/env.h"
#include "ferry/status.h"

namespace ferry::serve {

struct PartFile {
  std::string path;      // relative to the table's directory, e.g. "2026/01.parquet"
  std::string abs_path;  // canonical, inside root
};

// A directory as stat saw it just before it was listed: adding, removing or renaming an
// entry changes its mtime, so an unchanged stamp means an unchanged listing (unless the
// change fell in the same timestamp tick: see manifest_cache.h's racy rule).
struct DirStamp {
  std::string path;
  uint64_t device = 0;
  uint64_t inode = 0;
  int64_t mtime_ns = 0;
};

// Every part below `dir` (canonical, inside `root`), sorted by path. When `walked` is given it
// receives a stamp of every directory listed, taken before listing it.
Result<std::vector<PartFile>> ListParts(Env* env, const std::string& root, const std::string& dir,
                                        std::vector<DirStamp>* walked = nullptr);

// Whether `stamp` still describes its directory (stat, no listing).
bool DirUnchanged(Env* env, const DirStamp& stamp);

}  // namespace ferry::serve

#endif  // FERRY_SERVE_PARTS_H_
