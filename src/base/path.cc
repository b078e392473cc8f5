#include "base/path.h"

namespace ferry {
namespace {

// Drops trailing '/' but keeps a lone "/".
std::string_view StripTrailingSlashes(std::string_view p) {
  while (p.size() > 1 && p.back() == '/') p.remove_suffix(1);
  return p;
}

}  // namespace

std::string JoinPath(std::string_view a, std::string_view b) {
  while (!b.empty() && b.front() == '/') b.remove_prefix(1);
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  std::string out(a);
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  if (out.back() != '/') out.push_back('/');
  out.append(b);
  return out;
}

std::string DirName(std::string_view path) {
  std::string_view p = StripTrailingSlashes(path);
  if (p.empty()) return ".";
  if (p == "/") return "/";
  size_t slash = p.rfind('/');
  if (slash == std::string_view::npos) return ".";
  std::string_view dir = p.substr(0, slash);
  while (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
  if (dir.empty()) return "/";
  return std::string(dir);
}

std::string BaseName(std::string_view path) {
  std::string_view p = StripTrailingSlashes(path);
  if (p.empty() || p == "/") return std::string(p);
  size_t slash = p.rfind('/');
  if (slash == std::string_view::npos) return std::string(p);
  return std::string(p.substr(slash + 1));
}

bool IsSafePathSegment(std::string_view segment) {
  if (segment.empty() || segment == "." || segment == "..") return false;
  for (char c : segment) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool IsSafeRelativePath(std::string_view path) {
  if (path.empty()) return false;
  while (true) {
    size_t slash = path.find('/');
    if (!IsSafePathSegment(path.substr(0, slash))) return false;
    if (slash == std::string_view::npos) return true;
    path.remove_prefix(slash + 1);
  }
}

}  // namespace ferry
