// Replica: one side of a `ferry sync`, behind one interface so that a local directory
// (LocalReplica, local_replica.h), a document space (a SQLite database of documents) and later
// an rclone remote are synced by the same observe / reconcile / execute code. The contract,
// operation by operation, is the table in docs/SYNC.md "Replicas".
//
// Invariants every implementation keeps:
// - Paths are relative to the root and pass IsValidReplicaPath; nothing escapes the root.
// - Nothing follows a symlink: links are listed, stat'ed, written and removed as links.
// - List never reports the backup area (kTrashDirName at the root) nor the temp names of an
//   interrupted write, so neither is ever synced, counted or deleted.
// - WriteFile and WriteSymlink are atomic: at every instant `path` holds the whole old version
//   or the whole new one, and after they return the new one is durable.
// - PreserveInBackup / MoveToBackup put the current version at a backup path before anything
//   replaces or removes it, so nothing ferry overwrites or deletes is lost.
//
// Thread-safety: one sync drives a replica from one thread at a time, except that OpenRead
// and Stat may run concurrently (hashing fans out).
#ifndef FERRY_SYNC_REPLICA_H_
#define FERRY_SYNC_REPLICA_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ferry/env.h"
#include "ferry/status.h"
#include "sync/content_hash.h"
#include "sync/replica_entry.h"

namespace ferry::sync {

// The backup area at the root of every replica (docs/SYNC.md "Backups").
inline constexpr std::string_view kTrashDirName = ".ferry-trash";

enum class RootState { kMissing, kEmpty, kPopulated };

// What a written file must carry besides its bytes.
struct WriteMeta {
  int64_t mtime_ns = 0;
  uint32_t mode = 0644;
  // When set, the bytes written must hash to this, or the write is abandoned before the
  // rename (kConflict): the source changed while it was being copied.
  std::optional<ContentHash> expected_hash;
};

class Replica {
 public:
  Replica() = default;
  Replica(const Replica&) = delete;
  Replica& operator=(const Replica&) = delete;
  virtual ~Replica() = default;

  // A stable name of the root ("local:/abs/path"); it names the baseline of a pair.
  virtual std::string id() const = 0;

  // Missing, empty (nothing List would report) or populated.
  virtual Result<RootState> GetRootState() = 0;

  // Calls visit for every entry under the root (parents before children, otherwise in no
  // promised order); stops at and returns the first error, visit's included.
  virtual Status List(const std::function<Status(ReplicaEntry)>& visit) = 0;

  // The entry at `path`, or kNotFound.
  virtual Result<ReplicaEntry> Stat(const std::string& path) = 0;

  // The bytes of the file at `path`.
  virtual Result<std::unique_ptr<SequentialFile>> OpenRead(const std::string& path) = 0;

  // Replaces (or creates) the file at `path` with everything `source` yields, atomically and
  // durably, with meta's mtime and mode; creates missing parent directories.
  virtual Status WriteFile(const std::string& path, SequentialFile* source,
                           const WriteMeta& meta) = 0;

  // Replaces (or creates) `path` with a symlink to `target`, atomically.
  virtual Status WriteSymlink(const std::string& path, const std::string& target) = 0;

  // Creates the directory `path` (and missing parents). OK when it already is a directory.
  virtual Status CreateDir(const std::string& path, uint32_t mode) = 0;

  // Removes the empty directory `path`.
  virtual Status RemoveDir(const std::string& path) = 0;

  // Renames `from` to `to` atomically; kAlreadyExists when `to` exists. Creates `to`'s parents.
  virtual Status Rename(const std::string& from, const std::string& to) = 0;

  // Keeps the current version of `path` at `backup_path` (relative to the root, under
  // kTrashDirName) without removing `path`.
  virtual Status PreserveInBackup(const std::string& path, const std::string& backup_path) = 0;

  // Moves `path` (file, link, or directory) to `backup_path`.
  virtual Status MoveToBackup(const std::string& path, const std::string& backup_path) = 0;
};

}  // namespace ferry::sync

#endif  // FERRY_SYNC_REPLICA_H_
