#include "support/dir_tree.h"

#include <filesystem>

#include "support/file_contents.h"

namespace ferry::testing {

TreeMap DirTree(const std::string& root, const std::set<std::string>& skip) {
  namespace fs = std::filesystem;
  TreeMap out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::string rel = fs::relative(it->path(), root).string();
    if (it.depth() == 0 && skip.count(rel) != 0) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_symlink()) {
      out[rel] = "l:" + fs::read_symlink(it->path()).string();
    } else if (it->is_directory()) {
      out[rel] = "d";
    } else {
      out[rel] = "f:" + ReadFile(it->path().string());
    }
  }
  return out;
}

}  // namespace ferry::testing
