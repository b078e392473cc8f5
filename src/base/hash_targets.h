// ExpandHashTargets: turns the PATH arguments of `ferry hash` into the ordered list of files to
// hash, the way a sha256sum user expects a directory to be "hashed":
//
// - A named path that is not a directory is hashed as is, whatever it is (regular file,
//   symlink to one, FIFO, device), exactly like `sha256sum PATH`. "-" means standard input.
// - A directory (or a symlink to one) named on the command line is walked recursively. The
//   walk yields regular files, and symlinks that resolve to regular files (hashed through the
//   link, as naming them would). It does not descend into symlinked directories (no cycles,
//   no escaping the tree) and skips dangling links, FIFOs, sockets and devices (reading a FIFO
//   could block forever).
// - Walked paths are the argument joined with the relative path ("dir" + "a/b" = "dir/a/b",
//   "dir/" + "a" = "dir/a"), sorted in byte order as whole paths, i.e. the order of
//   `find DIR -type f | LC_ALL=C sort`.
// - Output order: argument order, then walk order. A path that cannot be examined (missing,
//   unreadable directory) becomes a target carrying its error at its place in that order, so
//   the caller reports it there and carries on with the rest, like sha256sum.
//
// Thread-safety: a pure function over a thread-safe Env.
#ifndef FERRY_BASE_HASH_TARGETS_H_
#define FERRY_BASE_HASH_TARGETS_H_

#include <string>
#include <vector>

#include "ferry/env.h"
#include "ferry/status.h"

namespace ferry {

struct HashTarget {
  std::string path;  // as it is printed: the argument, or the argument joined with the walk
  Status error;      // OK: hash `path`; else why it cannot be (Env message, names the path)
};

std::vector<HashTarget> ExpandHashTargets(Env* env, const std::vector<std::string>& args);

}  // namespace ferry

#endif  // FERRY_BASE_HASH_TARGETS_H_
