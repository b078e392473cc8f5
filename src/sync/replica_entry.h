// ReplicaEntry: what a replica says about one path under its root, the unit every phase of
// `ferry sync` works on (docs/SYNC.md "Replicas").
//
// Paths are relative to the replica's root, '/'-separated, without "." / ".." / empty
// segments (IsValidReplicaPath), so joining one onto a root can never leave it. Unlike
// IsSafeRelativePath (base/path.h), any byte but '/' and NUL is allowed in a segment: a user's
// files have spaces, accents and brackets in their names.
//
// Thread-safety: plain values and pure functions.
#ifndef FERRY_SYNC_REPLICA_ENTRY_H_
#define FERRY_SYNC_REPLICA_ENTRY_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace ferry::sync {

enum class EntryKind : uint8_t { kFile, kSymlink, kDir };

// "file", "symlink", "dir".
std::string_view EntryKindName(EntryKind kind);

struct ReplicaEntry {
  std::string path;  // relative to the root
  EntryKind kind = EntryKind::kFile;
  uint64_t size = 0;        // bytes of a file; length of a link's target; 0 for a dir
  int64_t mtime_ns = 0;     // of the entry itself (a link's own, never its target's)
  uint64_t inode = 0;       // 0 where a replica has no inodes
  uint32_t mode = 0;        // permission bits
  std::string link_target;  // symlinks only
};

// The part of an entry that says "this is still the version we saw" without reading it:
// kind, size, mtime_ns and inode (Unison's fast-check stamp). Directories match on kind alone:
// their mtime moves with every entry added or removed inside them.
bool SameStamp(const ReplicaEntry& a, EntryKind kind, uint64_t size, int64_t mtime_ns,
               uint64_t inode);

// Non-empty, not absolute, segments neither empty, "." nor "..", no NUL byte.
bool IsValidReplicaPath(std::string_view path);

}  // namespace ferry::sync

#endif  // FERRY_SYNC_REPLICA_ENTRY_H_
