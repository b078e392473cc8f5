// DirTree: a whole directory tree on the real disk as one comparable value, for tests that
// check what `ferry sync` (or unison) left behind: relative path -> "d", "l:<target>" or
// "f:<bytes>". Symlinks are read, never followed.
//
// Thread-safety: reentrant.
#ifndef FERRY_TESTS_SUPPORT_DIR_TREE_H_
#define FERRY_TESTS_SUPPORT_DIR_TREE_H_

#include <map>
#include <set>
#include <string>

namespace ferry::testing {

using TreeMap = std::map<std::string, std::string>;

// Everything under `root` except the top-level names in `skip` (".ferry-trash" by default).
TreeMap DirTree(const std::string& root, const std::set<std::string>& skip = {".ferry-trash"});

}  // namespace ferry::testing

#endif  // FERRY_TESTS_SUPPORT_DIR_TREE_H_
