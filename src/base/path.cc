#include "base/path.h"

#include <vector>

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

std::vector<std::string_view> PathSegments(std::string_view path) {
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

std::string NormalizePathLexically(std::string_view path) {
  const bool absolute = !path.empty() && path.front() == '/';
  std::vector<std::string_view> kept;
  for (std::string_view seg : PathSegments(path)) {
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

bool IsPathWithin(std::string_view path, std::string_view root) {
  const std::string p = NormalizePathLexically(path);
  const std::string r = NormalizePathLexically(root);
  if (r == "/") return !p.empty() && p.front() == '/';
  return p.size() >= r.size() && p.compare(0, r.size(), r) == 0 &&
         (p.size() == r.size() || p[r.size()] == '/');
}

}  // namespace ferry
