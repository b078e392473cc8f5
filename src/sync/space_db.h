// SpaceDb: the SQLite connection behind a document space (SpaceReplica, space_replica.h):
// opening and recognizing a ferry space, its schema (docs/SYNC.md "Document spaces"), cached
// prepared statements and one-transaction-per-change.
//
// SQLite does its own file I/O through its default VFS, not through ferry's Env: a space's
// writes go straight to the real disk, so MemEnv and FaultInjectionEnv do not see them. The
// seam for them is SQLite's VFS (sqlite3_vfs_register); a VFS over Env would let the crash
// tests drop a space's unsynced pages as they do a directory's. Until then durability rests
// on SQLite's own: WAL, synchronous=FULL, one IMMEDIATE transaction per change, and the
// space's crash tests kill a real process in the middle of a transaction.
//
// Thread-safety: none; SpaceReplica serializes every call with its mutex.
#ifndef FERRY_SYNC_SPACE_DB_H_
#define FERRY_SYNC_SPACE_DB_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "ferry/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace ferry::sync {

// The `ferry_space` row that marks a database as a space, and the schema version it has.
inline constexpr std::string_view kSpaceFormat = "ferry-space";
inline constexpr int kSpaceVersion = 1;

// One prepared statement in use: bound on creation, reset when it goes out of scope.
class SpaceStatement {
 public:
  explicit SpaceStatement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~SpaceStatement();
  SpaceStatement(const SpaceStatement&) = delete;
  SpaceStatement& operator=(const SpaceStatement&) = delete;

  SpaceStatement& Bind(int index, std::string_view text);  // as TEXT, byte for byte
  SpaceStatement& BindBlob(int index, std::string_view bytes);
  SpaceStatement& Bind(int index, int64_t value);

  // sqlite3_step: true on a row, false when done; errors come back as a Status.
  Result<bool> Step();
  std::string Text(int column) const;  // TEXT or BLOB column, byte for byte
  int64_t Int(int column) const;
  bool IsNull(int column) const;

 private:
  sqlite3_stmt* stmt_;
};

class SpaceDb {
 public:
  // Opens the database at `path`, which must exist; an empty database gets the schema. A file
  // that is not SQLite, or a SQLite database without the `ferry_space` mark, is kInvalidArgument
  // (docs/SYNC.md gives the messages).
  static Result<std::unique_ptr<SpaceDb>> Open(const std::string& path, bool create);
  ~SpaceDb();
  SpaceDb(const SpaceDb&) = delete;
  SpaceDb& operator=(const SpaceDb&) = delete;

  // The cached statement for `sql` (a string literal: cached by address), ready to bind.
  Result<std::unique_ptr<SpaceStatement>> Prepare(const char* sql);

  // Runs `body` in one IMMEDIATE transaction: committed (durably: WAL, synchronous=FULL) when
  // it returns OK, rolled back otherwise, so a change is all there or not at all.
  Status InTransaction(const std::function<Status()>& body);

  // Test hook: runs inside every transaction just before its COMMIT.
  void TEST_SetBeforeCommit(std::function<void()> hook) { before_commit_ = std::move(hook); }

  // Test hook: no fsync from this connection (PRAGMA synchronous=OFF), for the logic tests
  // that create hundreds of spaces; durability has its own tests, which never call this.
  Status TEST_SkipFsync() { return Exec("PRAGMA synchronous=OFF"); }

  const std::string& path() const { return path_; }

 private:
  SpaceDb(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}
  Status Exec(const char* sql);
  Status Recognize();  // the mark, or the schema on an empty database
  Status Error(const std::string& what) const;

  std::string path_;
  sqlite3* db_;
  std::map<const char*, sqlite3_stmt*> statements_;
  std::function<void()> before_commit_;
};

}  // namespace ferry::sync

#endif  // FERRY_SYNC_SPACE_DB_H_
