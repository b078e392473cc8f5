#include "store/link_paths.h"

#include <vector>

#include "base/path.h"

namespace ferry {

std::string RelativePathBetween(std::string_view from_dir, std::string_view to) {
  std::string from_norm = NormalizePathLexically(from_dir);
  std::string to_norm = NormalizePathLexically(to);
  std::vector<std::string_view> from = PathSegments(from_norm);
  std::vector<std::string_view> dest = PathSegments(to_norm);
  size_t common = 0;
  while (common < from.size() && common < dest.size() && from[common] == dest[common]) {
    ++common;
  }
  std::string out;
  for (size_t i = common; i < from.size(); ++i) out = JoinPath(out, "..");
  for (size_t i = common; i < dest.size(); ++i) out = JoinPath(out, dest[i]);
  return out.empty() ? "." : out;
}

std::string ResolveSymlinkTarget(std::string_view link_path, std::string_view target) {
  if (!target.empty() && target.front() == '/') return NormalizePathLexically(target);
  return NormalizePathLexically(JoinPath(DirName(link_path), target));
}

}  // namespace ferry
