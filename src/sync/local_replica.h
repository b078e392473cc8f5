// LocalReplica: a directory tree as a sync replica, on an Env (so the same code runs on the
// real disk, on MemEnv in logic tests and under FaultInjectionEnv in crash tests).
//
// How each Replica operation maps onto the Env:
// - List: a depth-first walk, one ListDirWithInfo per directory (sync/dir_listing.h: fstatat
//   on the real Env, ListDir + LinkStat on any other) and a ReadLink per link; kTrashDirName
//   at the root and temp names (IsTempName) are skipped; other kinds (sockets, fifos) are
//   skipped too, they cannot be synced.
// - WriteFile: temp "<dir>/.<name>.ferry-tmp-<hex>" created 0600, filled, fsynced, closed,
//   then its mtime and mode set, then renamed over `path` and the directory fsynced. The times
//   are set on the closed temp because a buffered writer may still write (and move mtime) at
//   Close; they are set before the rename so `path` never shows the new bytes with a wrong
//   stamp.
// - WriteSymlink: a link at a temp name, renamed over `path`, directory fsynced.
// - PreserveInBackup: a hardlink (a copy where the filesystem refuses one; a new link for a
//   symlink), the backup directory fsynced. MoveToBackup: one rename, both directories
//   fsynced.
// - id(): "local:" + the root, normalized lexically.
//
// Thread-safety: as the Env; the object holds no mutable state.
#ifndef FERRY_SYNC_LOCAL_REPLICA_H_
#define FERRY_SYNC_LOCAL_REPLICA_H_

#include <string>

#include "ferry/env.h"
#include "sync/replica.h"

namespace ferry::sync {

class LocalReplica : public Replica {
 public:
  // `env` must outlive the replica. `root` is an absolute path.
  LocalReplica(Env* env, std::string root);

  const std::string& root() const { return root_; }

  std::string id() const override;
  Result<RootState> GetRootState() override;
  Status List(const std::function<Status(ReplicaEntry)>& visit) override;
  Result<ReplicaEntry> Stat(const std::string& path) override;
  Result<std::unique_ptr<SequentialFile>> OpenRead(const std::string& path) override;
  Status WriteFile(const std::string& path, SequentialFile* source, const WriteMeta& meta) override;
  Status WriteSymlink(const std::string& path, const std::string& target) override;
  Status CreateDir(const std::string& path, uint32_t mode) override;
  Status RemoveDir(const std::string& path) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status PreserveInBackup(const std::string& path, const std::string& backup_path) override;
  Status MoveToBackup(const std::string& path, const std::string& backup_path) override;

 private:
  // root_/path, after checking IsValidReplicaPath (kInvalidArgument otherwise).
  Result<std::string> Full(const std::string& path) const;
  // The entry for root_/path, already LinkStat'ed as `info` (a link's target is read).
  Result<ReplicaEntry> MakeEntry(std::string path, const FileInfo& info);
  Status Walk(const std::string& dir_rel, const std::function<Status(ReplicaEntry)>& visit);

  Env* const env_;
  const std::string root_;
};

}  // namespace ferry::sync

#endif  // FERRY_SYNC_LOCAL_REPLICA_H_
