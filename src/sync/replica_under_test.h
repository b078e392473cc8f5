// ReplicaUnderTest: one kind of replica (a LocalReplica over MemEnv, a SpaceReplica over a
// SQLite file in a temp dir) with what a test needs around it: the user's own edits, made
// outside ferry (a text editor, another program writing the space), and the whole tree and
// backup area read back without going through the replica under test. The same sync tests
// then run over every kind and every pair of kinds.
#ifndef FERRY_SYNC_REPLICA_UNDER_TEST_H_
#define FERRY_SYNC_REPLICA_UNDER_TEST_H_

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "base/file_util.h"
#include "base/mem_env.h"
#include "base/path.h"
#include "sync/local_replica.h"
#include "sync/space_db.h"
#include "sync/space_replica.h"
#include "sync/sync_test_util.h"

namespace ferry::sync::testing {

enum class ReplicaKind { kLocal, kSpace };

inline std::string_view ReplicaKindName(ReplicaKind kind) {
  return kind == ReplicaKind::kLocal ? "local" : "space";
}

class ReplicaUnderTest {
 public:
  virtual ~ReplicaUnderTest() = default;
  virtual Replica* replica() = 0;
  // The user writes `bytes` at `path` with that mtime, in place where the kind allows it.
  virtual void Put(const std::string& path, const std::string& bytes, int64_t mtime_ns) = 0;
  // The user deletes the file at `path`.
  virtual void Remove(const std::string& path) = 0;
  // Everything gone, backups included, so one replica serves many cases.
  virtual void Reset() = 0;
  // The user renames a file (to a free path in an existing directory), keeping its inode.
  virtual void Rename(const std::string& from, const std::string& to) = 0;
  // The user sets the mtime of `path` without changing its bytes.
  virtual void Touch(const std::string& path, int64_t mtime_ns) = 0;
  // The user makes the directory `path` (its parent exists); nothing when it exists.
  virtual void MakeDir(const std::string& path) = 0;
  // The user removes the directory `path` when it is empty; nothing otherwise.
  virtual void RemoveDirIfEmpty(const std::string& path) = 0;
  // path -> "f:<bytes>", "l:<target>" or "d", outside the backup area (as testing::Tree).
  virtual std::map<std::string, std::string> Tree() = 0;
  // The bytes of every file in the backup area.
  virtual std::multiset<std::string> Backups() = 0;
};

class LocalUnderTest : public ReplicaUnderTest {
 public:
  LocalUnderTest(MemEnv* env, std::string root)
      : env_(env), root_(std::move(root)), replica_(env, root_) {
    EXPECT_TRUE(CreateDirs(env_, root_).ok());
  }
  Replica* replica() override { return &replica_; }
  void Put(const std::string& path, const std::string& bytes, int64_t mtime_ns) override {
    PutFile(env_, root_, path, bytes);
    EXPECT_TRUE(env_->SetModificationTime(JoinPath(root_, path), mtime_ns).ok());
  }
  void Remove(const std::string& path) override {
    EXPECT_TRUE(env_->RemoveFile(JoinPath(root_, path)).ok());
  }
  void Reset() override {
    EXPECT_TRUE(RemoveTree(env_, root_).ok());
    EXPECT_TRUE(CreateDirs(env_, root_).ok());
  }
  void Rename(const std::string& from, const std::string& to) override {
    EXPECT_TRUE(env_->Rename(JoinPath(root_, from), JoinPath(root_, to)).ok());
  }
  void Touch(const std::string& path, int64_t mtime_ns) override {
    EXPECT_TRUE(env_->SetModificationTime(JoinPath(root_, path), mtime_ns).ok());
  }
  void MakeDir(const std::string& path) override {
    EXPECT_TRUE(CreateDirs(env_, JoinPath(root_, path)).ok());
  }
  void RemoveDirIfEmpty(const std::string& path) override {
    IgnoreError(env_->RemoveDir(JoinPath(root_, path)), "not empty: the user's rmdir fails");
  }
  std::map<std::string, std::string> Tree() override { return testing::Tree(env_, root_); }
  std::multiset<std::string> Backups() override {
    std::map<std::string, std::string> all;
    Collect(env_, JoinPath(root_, std::string(kTrashDirName)), "", false, &all);
    std::multiset<std::string> out;
    for (const auto& [path, what] : all) {
      if (what.starts_with("f:")) out.insert(what.substr(2));
    }
    return out;
  }

 private:
  MemEnv* env_;
  std::string root_;
  LocalReplica replica_;
};

// The space's file is created (empty, with the schema) up front; the user's edits and the
// read-back go through a second connection, as another program's would.
class SpaceUnderTest : public ReplicaUnderTest {
 public:
  explicit SpaceUnderTest(const std::string& db_path) {
    Result<std::unique_ptr<SpaceDb>> db = SpaceDb::Open(db_path, /*create=*/true);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    if (!db.ok()) return;
    user_ = std::move(db).value();
    Result<std::unique_ptr<SpaceReplica>> r = SpaceReplica::Open(Env::Default(), db_path);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return;
    replica_ = std::move(r).value();
    // The table makes hundreds of spaces; their durability is SpaceReplicaTest's business.
    EXPECT_TRUE(user_->TEST_SkipFsync().ok());
    EXPECT_TRUE(replica_->TEST_SkipFsync().ok());
  }
  Replica* replica() override { return replica_.get(); }
  void Put(const std::string& path, const std::string& bytes, int64_t mtime_ns) override {
    Status s = user_->InTransaction([&]() -> Status {
      FERRY_ASSIGN_OR_RETURN(
          auto put, user_->Prepare("INSERT INTO documents (space_path, content, updated_at) "
                                   "VALUES (?1, ?2, ?3) ON CONFLICT (space_path) DO UPDATE SET "
                                   "content = excluded.content, updated_at = excluded.updated_at"));
      put->Bind(1, path).BindBlob(2, bytes).Bind(3, mtime_ns);
      return put->Step().status();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  void Remove(const std::string& path) override {
    Sql("DELETE FROM documents WHERE space_path = ?1", path);
  }
  void Rename(const std::string& from, const std::string& to) override {
    Sql("UPDATE documents SET space_path = ?2 WHERE space_path = ?1", from, to);
  }
  void Touch(const std::string& path, int64_t mtime_ns) override {
    Sql("UPDATE documents SET updated_at = ?2 WHERE space_path = ?1", path, mtime_ns);
  }
  void MakeDir(const std::string& path) override {
    Sql("INSERT OR IGNORE INTO documents (space_path, kind, updated_at) VALUES (?1, 'dir', 1)",
        path);
  }
  void RemoveDirIfEmpty(const std::string& path) override {
    Sql("DELETE FROM documents WHERE space_path = ?1 AND kind = 'dir' AND NOT EXISTS (SELECT 1 "
        "FROM documents WHERE space_path >= ?1 || '/' AND space_path < ?1 || '0')",
        path);
  }
  void Reset() override {
    Status s = user_->InTransaction([&]() -> Status {
      FERRY_ASSIGN_OR_RETURN(auto del, user_->Prepare("DELETE FROM documents"));
      return del->Step().status();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  std::map<std::string, std::string> Tree() override { return Rows(/*trash=*/false); }
  std::multiset<std::string> Backups() override {
    std::multiset<std::string> out;
    for (const auto& [path, what] : Rows(/*trash=*/true)) {
      if (what.starts_with("f:")) out.insert(what.substr(2));
    }
    return out;
  }

 private:
  // Runs one statement with `path` as ?1 and `arg` (text or integer) as ?2, in a transaction.
  template <typename Arg = std::string_view>
  void Sql(const char* sql, const std::string& path, Arg arg = {}) {
    Status s = user_->InTransaction([&]() -> Status {
      FERRY_ASSIGN_OR_RETURN(auto stmt, user_->Prepare(sql));
      stmt->Bind(1, path);
      if (std::string_view(sql).find("?2") != std::string_view::npos) stmt->Bind(2, arg);
      return stmt->Step().status();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
  }

  std::map<std::string, std::string> Rows(bool trash) {
    std::map<std::string, std::string> out;
    auto rows = user_->Prepare("SELECT space_path, kind, content FROM documents");
    EXPECT_TRUE(rows.ok());
    if (!rows.ok()) return out;
    while ((*rows)->Step().value_or(false)) {
      std::string path = (*rows)->Text(0);
      bool in_trash = path == kTrashDirName || path.starts_with(std::string(kTrashDirName) + "/");
      if (in_trash != trash) continue;
      std::string kind = (*rows)->Text(1);
      out[path] = kind == "dir" ? "d" : (kind == "symlink" ? "l:" : "f:") + (*rows)->Text(2);
    }
    // A document whose parent has no row implies that directory (docs/SYNC.md).
    std::map<std::string, std::string> implied;
    for (const auto& [path, what] : out) {
      for (size_t slash = path.find('/'); slash != std::string::npos;
           slash = path.find('/', slash + 1)) {
        if (out.count(path.substr(0, slash)) == 0) implied[path.substr(0, slash)] = "d";
      }
    }
    out.merge(implied);
    return out;
  }

  std::unique_ptr<SpaceDb> user_;
  std::unique_ptr<SpaceReplica> replica_;
};

// A replica of `kind` named `name`: /<name> on `env`, or <temp_dir>/<name>.db.
inline std::unique_ptr<ReplicaUnderTest> NewReplicaUnderTest(ReplicaKind kind, MemEnv* env,
                                                             const std::string& temp_dir,
                                                             const std::string& name) {
  if (kind == ReplicaKind::kLocal) return std::make_unique<LocalUnderTest>(env, "/" + name);
  return std::make_unique<SpaceUnderTest>(temp_dir + "/" + name + ".db");
}

}  // namespace ferry::sync::testing

#endif  // FERRY_SYNC_REPLICA_UNDER_TEST_H_
