// Path helpers: pure string operations on '/'-separated paths, no filesystem access.
//
// ferry joins names from catalogs, manifests and the network onto local roots, so the
// "safe" predicates decide which names may ever reach JoinPath: a safe segment cannot climb
// out of its directory ("..") or hide ("" / "."), and a safe relative path is only safe
// segments joined by single '/'.
//
// Thread-safety: pure functions.
#ifndef FERRY_BASE_PATH_H_
#define FERRY_BASE_PATH_H_

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace ferry {

// A set of paths asked only "is it in?": hashed, since absolute paths share long prefixes and
// an ordered set compares those prefixes at every level of the tree.
using PathSet = std::unordered_set<std::string>;
// The same over views, for sets of paths that live elsewhere (a plan, a state) at least as
// long as the set: no copy of each path, which matters at 6,000 references per pull.
using PathViewSet = std::unordered_set<std::string_view>;

// a + "/" + b with exactly one '/' between them. `b` is always treated as relative (a leading
// '/' in b does not discard a), so joining never escapes `a` by an absolute b. An empty side
// yields the other side.
std::string JoinPath(std::string_view a, std::string_view b);

// Like dirname(1): "/a/b" -> "/a", "/a" -> "/", "a" -> ".", "a/b/" -> "a", "/" -> "/".
std::string DirName(std::string_view path);

// Like basename(1): "/a/b" -> "b", "a/b/" -> "b", "/" -> "/", "" -> "".
std::string BaseName(std::string_view path);

// ^[A-Za-z0-9_.-]+$ and neither "." nor "..".
bool IsSafePathSegment(std::string_view segment);

// One or more safe segments joined by single '/': no leading or trailing '/', no "//".
bool IsSafeRelativePath(std::string_view path);

// The non-empty segments of a '/'-separated path: "/a//b/" -> {"a", "b"}. Views into `path`.
std::vector<std::string_view> PathSegments(std::string_view path);

// Collapses "//", "." and ".." segments; keeps a leading '/'; drops a trailing '/'.
// ".." above the root of an absolute path stays at the root; in a relative path it is kept.
std::string NormalizePathLexically(std::string_view path);

// True when `path` is `root` or lies under it, lexically (both are normalized first):
// ("/ws/data/x", "/ws") and ("/ws", "/ws") are; ("/wsx", "/ws") and ("/ws/../etc", "/ws")
// are not.
bool IsPathWithin(std::string_view path, std::string_view root);

}  // namespace ferry

#endif  // FERRY_BASE_PATH_H_
