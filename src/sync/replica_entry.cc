#include "sync/replica_entry.h"

namespace ferry::sync {

std::string_view EntryKindName(EntryKind kind) {
  switch (kind) {
    case EntryKind::kFile:
      return "file";
    case EntryKind::kSymlink:
      return "symlink";
    case EntryKind::kDir:
      return "dir";
  }
  return "file";
}

bool SameStamp(const ReplicaEntry& a, EntryKind kind, uint64_t size, int64_t mtime_ns,
               uint64_t inode) {
  if (a.kind != kind) return false;
  if (kind == EntryKind::kDir) return true;
  return a.size == size && a.mtime_ns == mtime_ns && a.inode == inode;
}

bool IsValidReplicaPath(std::string_view path) {
  if (path.empty() || path.front() == '/') return false;
  if (path.find('\0') != std::string_view::npos) return false;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    std::string_view segment = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

}  // namespace ferry::sync
