// SpaceReplica: a document space as a sync replica: one SQLite database whose `documents`
// rows (space_path, content, updated_at, mode, kind) play the seed's InformationSpace. Written
// `space:FILE.db` on the command line; the schema and every choice below are in docs/SYNC.md
// "Document spaces".
//
// How each Replica operation maps onto the database:
// - The root is the database file. Missing file: kMissing, and nothing is created until the
//   first write (so an unmounted drive never reads as "everything deleted"); a file whose
//   documents are all under .ferry-trash/: kEmpty.
// - Directories are rows of kind 'dir' (an empty directory must sync like any other). A
//   document whose parent has no row (written by another program) implies that parent: List
//   and Stat report it as a directory with inode 0, and the first write under it stores it.
// - The inode of a document is its row id: kept by Rename and MoveToBackup, new for every
//   WriteFile / WriteSymlink (the row is replaced, as a rename over a temp gives a new inode
//   on disk) and for a backup copy. Ids are never reused.
// - mtime_ns is `updated_at` (nanoseconds since the epoch); mode is `mode`.
// - Symlinks are stored, not refused: kind 'symlink', content = the target text; they point
//   nowhere inside the space and are never followed.
// - Every change is one IMMEDIATE transaction (WAL, synchronous=FULL): WriteFile, Rename of a
//   whole directory, a backup: all there after a crash, or not at all. No temp names exist.
// - Backups are documents under `.ferry-trash/<timestamp>/<path>` in the same table: Stat and
//   Rename reach them, List and GetRootState never report them.
// - OpenRead returns the document's bytes read in one go (documents are meant to be small).
// - id(): "space:" + the database's absolute path, normalized lexically.
//
// Thread-safety: every call takes the replica's mutex (OpenRead and Stat may come from the
// hashing threads); another process may write the database between calls (SQLite's locks,
// busy timeout 5 s).
#ifndef FERRY_SYNC_SPACE_REPLICA_H_
#define FERRY_SYNC_SPACE_REPLICA_H_

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "ferry/env.h"
#include "ferry/status.h"
#include "sync/replica.h"
#include "sync/space_db.h"

namespace ferry::sync {

// The prefix of a replica spec naming a document space ("space:notes.db").
inline constexpr std::string_view kSpaceSpecPrefix = "space:";

class SpaceReplica : public Replica {
 public:
  // The space at `db_path` (made absolute against the working directory). The file need not
  // exist; when it does, it must be a ferry space or an empty database (which gets the
  // schema). `env` gives the clock (updated_at of directories ferry creates) and tells a
  // missing file from a present one; SQLite itself does its own file I/O (space_db.h).
  static Result<std::unique_ptr<SpaceReplica>> Open(Env* env, const std::string& db_path);

  const std::string& db_path() const { return db_path_; }

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

  // Every document under .ferry-trash/ (what List leaves out), parents first.
  Status ListBackups(const std::function<Status(ReplicaEntry)>& visit);

  // Test hook: runs inside every write transaction just before its COMMIT (a crash there must
  // leave the old version). Opens the database if it is not open yet.
  Status TEST_SetBeforeCommit(std::function<void()> hook);
  // Test hook: SpaceDb::TEST_SkipFsync. Opens the database if it is not open yet.
  Status TEST_SkipFsync();

 private:
  SpaceReplica(Env* env, std::string db_path) : env_(env), db_path_(std::move(db_path)) {}

  // Opens the database if the file exists now (create: make it); `db_` stays null otherwise.
  Status MaybeOpen(bool create);
  Status CheckPath(const std::string& path) const;
  // The row at `path`, an implied directory, or kNotFound. Caller holds mu_.
  Result<ReplicaEntry> Lookup(const std::string& path);
  Status ListWhere(bool trash, const std::function<Status(ReplicaEntry)>& visit);
  // Makes every ancestor of `path` a stored directory (caller in a transaction).
  Status EnsureParents(const std::string& path, const std::string& op);
  Status WriteRow(const std::string& path, std::string_view kind, std::string_view content,
                  int64_t updated_at, uint32_t mode, const std::string& op);
  // Moves the row at `from` and everything under it to `to` (caller in a transaction).
  Status MoveTree(const std::string& from, const std::string& to, const std::string& op);

  Env* const env_;
  const std::string db_path_;
  std::mutex mu_;
  std::unique_ptr<SpaceDb> db_;  // null while the file does not exist
};

// The factory `ferry sync` uses for `space:FILE.db` (kSpaceSpecPrefix stripped).
Result<std::unique_ptr<Replica>> NewSpaceReplica(Env* env, const std::string& db_path);

}  // namespace ferry::sync

#endif  // FERRY_SYNC_SPACE_REPLICA_H_
