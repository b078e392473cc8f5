#include "store/link_paths.h"

#include <vector>

#include "base/path.h"

namespace ferry {
namespace {

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view seg = path.substr(0, slash);
    if (!seg.empty()) out.push_back(seg);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace

std::string NormalizePathLexically(std::string_view path) {
  const bool absolute = !path.empty() && path.front() == '/';
  std::vector<std::string_view> kept;
  for (std::string_view seg : Segments(path)) {
    if (seg == ".") continue;
    if (seg == "..") {
      if (!kept.empty() && kept.back() != "..") {
        kept.pop_back();
      } else if (!absolute) {
        kept.push_back(seg);
      }
      continue;
    }
    kept.push_back(seg);
  }
  if (kept.empty()) return absolute ? std::string("/") : std::string(".");
  std::string out;
  for (std::string_view seg : kept) {
    if (absolute || !out.empty()) out.push_back('/');
    out.append(seg);
  }
  return out;
}

std::string RelativePathBetween(std::string_view from_dir, std::string_view to) {
  std::string from_norm = NormalizePathLexically(from_dir);
  std::string to_norm = NormalizePathLexically(to);
  std::vector<std::string_view> from = Segments(from_norm);
  std::vector<std::string_view> dest = Segments(to_norm);
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
