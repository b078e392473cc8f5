#include "sync/space_replica.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <vector>

#include "base/file_util.h"
#include "support/temp_dir.h"

namespace ferry::sync {
namespace {

// A SequentialFile over a string, the source of a write.
class StringSource : public SequentialFile {
 public:
  explicit StringSource(std::string bytes) : bytes_(std::move(bytes)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    size_t take = std::min(n, bytes_.size() - pos_);
    std::copy_n(bytes_.data() + pos_, take, buf);
    pos_ += take;
    return take;
  }
  Status Skip(uint64_t n) override {
    pos_ = std::min<size_t>(bytes_.size(), pos_ + n);
    return Status::OK();
  }

 private:
  std::string bytes_;
  size_t pos_ = 0;
};

std::string ReadAll(Replica* r, const std::string& path) {
  auto f = r->OpenRead(path);
  if (!f.ok()) return "<" + f.status().ToString() + ">";
  std::string out;
  char buf[7];
  while (true) {
    size_t n = (*f)->Read(buf, sizeof buf).value();
    if (n == 0) return out;
    out.append(buf, n);
  }
}

std::map<std::string, std::string> Listing(SpaceReplica* r, bool backups = false) {
  std::map<std::string, std::string> out;
  auto visit = [&](ReplicaEntry e) {
    std::string what(EntryKindName(e.kind));
    if (e.kind == EntryKind::kSymlink) what += " -> " + e.link_target;
    if (e.kind == EntryKind::kFile) what += " " + std::to_string(e.size);
    EXPECT_TRUE(out.count(e.path) == 0) << "listed twice: " << e.path;
    out[e.path] = what;
    return Status::OK();
  };
  Status s = backups ? r->ListBackups(visit) : r->List(visit);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

// Runs `sql` on its own connection, as another program would.
void RunSql(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  std::string msg = err != nullptr ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << msg;
}

class SpaceReplicaTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    replica_.reset();
    auto r = SpaceReplica::Open(Env::Default(), db_path_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    replica_ = std::move(r).value();
  }
  void Write(const std::string& path, const std::string& bytes, int64_t mtime_ns = 5,
             uint32_t mode = 0644) {
    StringSource src(bytes);
    Status s = replica_->WriteFile(path, &src, WriteMeta{mtime_ns, mode, std::nullopt});
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  ferry::testing::TempDir dir_;
  std::string db_path_ = dir_.Join("notes.db");
  std::unique_ptr<SpaceReplica> replica_;
};

TEST_F(SpaceReplicaTest, IdNamesTheAbsoluteDatabaseFile) {
  EXPECT_EQ(replica_->id(), "space:" + db_path_);
  std::string cwd = std::filesystem::current_path().string();
  auto relative = SpaceReplica::Open(Env::Default(), "sub/../x.db");
  ASSERT_TRUE(relative.ok());
  EXPECT_EQ((*relative)->id(), "space:" + cwd + "/x.db");
}

TEST_F(SpaceReplicaTest, RootStateSeesMissingEmptyAndPopulated) {
  EXPECT_EQ(replica_->GetRootState().value(), RootState::kMissing);
  EXPECT_TRUE(Listing(replica_.get()).empty());
  EXPECT_TRUE(replica_->Stat("a").status().IsNotFound());
  // Looking never creates the file: a missing space stays missing.
  EXPECT_FALSE(PathExists(Env::Default(), db_path_).value());
  Write("a", "x");
  EXPECT_TRUE(PathExists(Env::Default(), db_path_).value());
  EXPECT_EQ(replica_->GetRootState().value(), RootState::kPopulated);
  ASSERT_TRUE(replica_->MoveToBackup("a", ".ferry-trash/t/a").ok());
  EXPECT_EQ(replica_->GetRootState().value(), RootState::kEmpty);
  // Removed under an open connection (or its drive unmounted): missing, not empty.
  ASSERT_TRUE(Env::Default()->RemoveFile(db_path_).ok());
  EXPECT_EQ(replica_->GetRootState().value(), RootState::kMissing);
}

TEST_F(SpaceReplicaTest, WriteCreatesParentsAndKeepsUpdatedAtAndMode) {
  Write("notes/2026/jan.md", "hello", 123456789012345, 0600);
  ReplicaEntry e = replica_->Stat("notes/2026/jan.md").value();
  EXPECT_EQ(e.kind, EntryKind::kFile);
  EXPECT_EQ(e.size, 5u);
  EXPECT_EQ(e.mtime_ns, 123456789012345);
  EXPECT_EQ(e.mode, 0600u);
  EXPECT_NE(e.inode, 0u);
  EXPECT_EQ(ReadAll(replica_.get(), "notes/2026/jan.md"), "hello");
  EXPECT_EQ(replica_->Stat("notes/2026").value().kind, EntryKind::kDir);
  // Survives closing and reopening: committed, not cached.
  Reopen();
  EXPECT_EQ(ReadAll(replica_.get(), "notes/2026/jan.md"), "hello");
}

TEST_F(SpaceReplicaTest, AnOverwriteGetsANewIdARenameKeepsIt) {
  Write("a.md", "v1");
  uint64_t first = replica_->Stat("a.md").value().inode;
  Write("a.md", "v2");
  uint64_t second = replica_->Stat("a.md").value().inode;
  EXPECT_NE(first, second);
  ASSERT_TRUE(replica_->Rename("a.md", "b/c.md").ok());
  EXPECT_EQ(replica_->Stat("b/c.md").value().inode, second);
  EXPECT_TRUE(replica_->Stat("a.md").status().IsNotFound());
  EXPECT_EQ(ReadAll(replica_.get(), "b/c.md"), "v2");
}

TEST_F(SpaceReplicaTest, WriteFileRefusesBytesThatAreNotTheExpectedVersion) {
  Write("a", "old");
  StringSource src("changed meanwhile");
  Status s = replica_->WriteFile("a", &src, WriteMeta{1, 0644, HashBytes("what the plan saw")});
  EXPECT_EQ(s.code(), StatusCode::kConflict);
  EXPECT_EQ(s.message(), "write a in space " + db_path_ +
                             ": the source changed while it was copied; not "
                             "replaced");
  EXPECT_EQ(ReadAll(replica_.get(), "a"), "old");
}

TEST_F(SpaceReplicaTest, ListShowsDocumentsLinksAndDirsParentsFirstButNoBackups) {
  Write("d/f", "12345");
  ASSERT_TRUE(replica_->WriteSymlink("d/link", "../elsewhere").ok());
  ASSERT_TRUE(replica_->CreateDir("empty", 0700).ok());
  Write("keep", "k");
  ASSERT_TRUE(replica_->PreserveInBackup("keep", ".ferry-trash/20260101-000000/keep").ok());
  std::vector<std::string> order;
  ASSERT_TRUE(replica_
                  ->List([&](ReplicaEntry e) {
                    order.push_back(e.path);
                    return Status::OK();
                  })
                  .ok());
  EXPECT_EQ(order, (std::vector<std::string>{"d", "d/f", "d/link", "empty", "keep"}));
  std::map<std::string, std::string> want = {{"d", "dir"},
                                             {"d/f", "file 5"},
                                             {"d/link", "symlink -> ../elsewhere"},
                                             {"empty", "dir"},
                                             {"keep", "file 1"}};
  EXPECT_EQ(Listing(replica_.get()), want);
  std::map<std::string, std::string> backups = {{".ferry-trash", "dir"},
                                                {".ferry-trash/20260101-000000", "dir"},
                                                {".ferry-trash/20260101-000000/keep", "file 1"}};
  EXPECT_EQ(Listing(replica_.get(), /*backups=*/true), backups);
  EXPECT_EQ(replica_->Stat("empty").value().mode, 0700u);
}

TEST_F(SpaceReplicaTest, DocumentsAnotherProgramWroteImplyTheirDirectories) {
  Write("seed", "s");  // makes the space
  RunSql(db_path_,
         "INSERT INTO documents (space_path, content, updated_at) VALUES "
         "('projects/ferry/readme.md', 'hi there', 42), ('projects/todo.md', x'00ff', 43)");
  std::map<std::string, std::string> want = {{"projects", "dir"},
                                             {"projects/ferry", "dir"},
                                             {"projects/ferry/readme.md", "file 8"},
                                             {"projects/todo.md", "file 2"},
                                             {"seed", "file 1"}};
  EXPECT_EQ(Listing(replica_.get()), want);
  ReplicaEntry implied = replica_->Stat("projects/ferry").value();
  EXPECT_EQ(implied.kind, EntryKind::kDir);
  EXPECT_EQ(implied.inode, 0u);
  ReplicaEntry doc = replica_->Stat("projects/ferry/readme.md").value();
  EXPECT_EQ(doc.mtime_ns, 42);
  EXPECT_EQ(doc.mode, 0644u);
  EXPECT_EQ(ReadAll(replica_.get(), "projects/todo.md"), std::string("\0\xff", 2));
  // An implied directory is not empty, and becomes a stored one when asked for.
  EXPECT_FALSE(replica_->RemoveDir("projects/ferry").ok());
  ASSERT_TRUE(replica_->CreateDir("projects/ferry", 0755).ok());
  EXPECT_NE(replica_->Stat("projects/ferry").value().inode, 0u);
  // A directory row stored without a mode (0644 by default) is searchable where readable.
  RunSql(db_path_, "INSERT INTO documents (space_path, kind, updated_at) VALUES ('d', 'dir', 1)");
  EXPECT_EQ(replica_->Stat("d").value().mode, 0755u);
}

TEST_F(SpaceReplicaTest, ADocumentInsideAFileIsReportedAsDamage) {
  Write("a", "file");
  RunSql(db_path_, "INSERT INTO documents (space_path, content, updated_at) VALUES ('a/b', '', 1)");
  Status s = replica_->List([](ReplicaEntry) { return Status::OK(); });
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_EQ(s.message(), "space " + db_path_ +
                             ": document a/b is inside a, which is not a directory; rename or "
                             "remove one of them");
}

TEST_F(SpaceReplicaTest, RenameRefusesToReplaceAnExistingTarget) {
  Write("a", "1");
  Write("b", "2");
  Status s = replica_->Rename("a", "b");
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(s.message(), "rename a to b in space " + db_path_ +
                             ": the target exists; ferry never renames over a document");
  EXPECT_EQ(ReadAll(replica_.get(), "b"), "2");
  EXPECT_TRUE(replica_->Rename("missing", "c").IsNotFound());
}

TEST_F(SpaceReplicaTest, RenamingADirectoryMovesEverythingUnderItButNotItsNeighbours) {
  Write("dir/x", "x");
  Write("dir/sub/y", "y");
  Write("dir-other", "neighbour");  // sorts between "dir" and "dir/": must stay
  Write("dir0", "neighbour too");
  uint64_t y = replica_->Stat("dir/sub/y").value().inode;
  ASSERT_TRUE(replica_->Rename("dir", "moved/here").ok());
  std::map<std::string, std::string> want = {
      {"dir-other", "file 9"},   {"dir0", "file 13"},       {"moved", "dir"},
      {"moved/here", "dir"},     {"moved/here/sub", "dir"}, {"moved/here/sub/y", "file 1"},
      {"moved/here/x", "file 1"}};
  EXPECT_EQ(Listing(replica_.get()), want);
  EXPECT_EQ(replica_->Stat("moved/here/sub/y").value().inode, y);
  EXPECT_EQ(replica_->Rename("moved", "moved/here/deeper").code(), StatusCode::kInvalidArgument);
}

TEST_F(SpaceReplicaTest, PreserveInBackupKeepsTheOldVersionThroughAnOverwrite) {
  Write("f", "v1", 7);
  ASSERT_TRUE(replica_->PreserveInBackup("f", ".ferry-trash/t/f").ok());
  Write("f", "v2");
  EXPECT_EQ(ReadAll(replica_.get(), "f"), "v2");
  EXPECT_EQ(ReadAll(replica_.get(), ".ferry-trash/t/f"), "v1");
  EXPECT_EQ(replica_->Stat(".ferry-trash/t/f").value().mtime_ns, 7);
  Status taken = replica_->PreserveInBackup("f", ".ferry-trash/t/f");
  EXPECT_EQ(taken.message(),
            "backup f to .ferry-trash/t/f in space " + db_path_ + ": the backup name is taken");
  EXPECT_EQ(ReadAll(replica_.get(), ".ferry-trash/t/f"), "v1");
}

TEST_F(SpaceReplicaTest, MoveToBackupTakesAWholeDirectory) {
  Write("gone/a", "a");
  Write("gone/b/c", "c");
  ASSERT_TRUE(replica_->MoveToBackup("gone", ".ferry-trash/t/gone").ok());
  EXPECT_TRUE(Listing(replica_.get()).empty());
  EXPECT_EQ(ReadAll(replica_.get(), ".ferry-trash/t/gone/b/c"), "c");
  EXPECT_EQ(replica_->GetRootState().value(), RootState::kEmpty);
}

TEST_F(SpaceReplicaTest, CreateAndRemoveDir) {
  ASSERT_TRUE(replica_->CreateDir("x/y", 0755).ok());
  EXPECT_TRUE(replica_->CreateDir("x/y", 0755).ok());  // already a directory: fine
  Status not_empty = replica_->RemoveDir("x");
  EXPECT_EQ(not_empty.message(), "rmdir x in space " + db_path_ + ": directory not empty");
  ASSERT_TRUE(replica_->RemoveDir("x/y").ok());
  ASSERT_TRUE(replica_->RemoveDir("x").ok());
  EXPECT_TRUE(replica_->Stat("x").status().IsNotFound());
  Write("file", "f");
  Status over_file = replica_->CreateDir("file", 0755);
  EXPECT_EQ(over_file.message(),
            "mkdir file in space " + db_path_ + ": exists and is not a directory");
  StringSource src("x");
  Status into_file = replica_->WriteFile("file/inner", &src, WriteMeta{});
  EXPECT_EQ(into_file.message(),
            "write file/inner in space " + db_path_ + ": file exists and is not a directory");
  ASSERT_TRUE(replica_->CreateDir("dir", 0755).ok());
  StringSource over_dir("x");
  EXPECT_EQ(replica_->WriteFile("dir", &over_dir, WriteMeta{}).message(),
            "write dir in space " + db_path_ + ": a directory is in the way; move it away first");
}

TEST_F(SpaceReplicaTest, SymlinksAreStoredAsLinksAndNeverWrittenThrough) {
  ASSERT_TRUE(replica_->WriteSymlink("l", "/etc").ok());
  ReplicaEntry e = replica_->Stat("l").value();
  EXPECT_EQ(e.kind, EntryKind::kSymlink);
  EXPECT_EQ(e.link_target, "/etc");
  EXPECT_EQ(e.size, 4u);
  StringSource src("x");
  Status s = replica_->WriteFile("l/passwd", &src, WriteMeta{});
  EXPECT_EQ(s.code(), StatusCode::kRefused);
  EXPECT_EQ(s.message(), "write l/passwd in space " + db_path_ +
                             ": l is a symlink; ferry syncs links as links and never writes "
                             "through one");
  EXPECT_EQ(replica_->OpenRead("l").status().message(),
            "read l in space " + db_path_ + ": is a symlink, not a document");
  ASSERT_TRUE(replica_->PreserveInBackup("l", ".ferry-trash/t/l").ok());
  EXPECT_EQ(replica_->Stat(".ferry-trash/t/l").value().link_target, "/etc");
}

TEST_F(SpaceReplicaTest, PathsThatLeaveTheRootAreRefused) {
  for (const char* bad : {"../x", "/etc/passwd", "a/./b", "", "a//b"}) {
    Status s = replica_->Stat(bad).status();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(s.message(), std::string("sync path '") + bad + "' in space " + db_path_ +
                               " is not a relative path inside the replica");
  }
}

TEST_F(SpaceReplicaTest, AFileThatIsNotASpaceIsRefusedAndLeftAlone) {
  std::string text = dir_.Join("notes.txt");
  ASSERT_TRUE(WriteFileAtomically(Env::Default(), text, "just some notes\n").ok());
  auto not_sqlite = SpaceReplica::Open(Env::Default(), text);
  EXPECT_EQ(not_sqlite.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(not_sqlite.status().message(),
            "space " + text + ": not a SQLite database; give a ferry space or a new file");
  EXPECT_EQ(ReadFileToString(Env::Default(), text, 1000).value(), "just some notes\n");

  std::string other = dir_.Join("other.db");
  RunSql(other, "CREATE TABLE photos (name TEXT)");
  auto not_space = NewSpaceReplica(Env::Default(), other);
  EXPECT_EQ(not_space.status().message(),
            "space " + other +
                ": a SQLite database but not a ferry space (no ferry_space mark); give a ferry "
                "space or a new file");

  auto a_dir = NewSpaceReplica(Env::Default(), dir_.path());
  EXPECT_EQ(
      a_dir.status().message(),
      "space " + dir_.path() + ": is a directory; a space is a database file (space:FILE.db)");
}

TEST_F(SpaceReplicaTest, AnEmptyDatabaseFileBecomesASpace) {
  std::string empty = dir_.Join("empty.db");
  ASSERT_TRUE(WriteFileAtomically(Env::Default(), empty, "").ok());
  auto r = NewSpaceReplica(Env::Default(), empty);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->GetRootState().value(), RootState::kEmpty);
}

// Crash model for a space: the process dies inside the write's transaction (a real process,
// killed with _exit: no destructor, no rollback). SQLite's WAL must show the old document, or
// after a commit the new one, whole.
TEST_F(SpaceReplicaTest, AWriteKilledBeforeItsCommitLeavesTheOldDocument) {
  Write("doc", "old version");
  replica_.reset();
  const std::string big(4 << 20, 'n');  // larger than the page cache: pages reach the WAL
  EXPECT_EXIT(
      {
        auto r = SpaceReplica::Open(Env::Default(), db_path_).value();
        IgnoreError(r->TEST_SetBeforeCommit([] { _exit(7); }), "dies before the commit");
        StringSource src(big);
        IgnoreError(r->WriteFile("doc", &src, WriteMeta{9, 0644, std::nullopt}), "never returns");
        _exit(0);
      },
      ::testing::ExitedWithCode(7), "");
  Reopen();
  EXPECT_EQ(ReadAll(replica_.get(), "doc"), "old version");
  EXPECT_EQ(Listing(replica_.get()).size(), 1u);
}

TEST_F(SpaceReplicaTest, AWriteKilledRightAfterItsCommitLeavesTheNewDocument) {
  Write("doc", "old version");
  replica_.reset();
  EXPECT_EXIT(
      {
        auto r = SpaceReplica::Open(Env::Default(), db_path_).value();
        StringSource src("new version");
        Status s = r->WriteFile("doc", &src, WriteMeta{9, 0644, std::nullopt});
        _exit(s.ok() ? 7 : 1);
      },
      ::testing::ExitedWithCode(7), "");
  Reopen();
  EXPECT_EQ(ReadAll(replica_.get(), "doc"), "new version");
}

TEST_F(SpaceReplicaTest, AFailedSourceLeavesTheOldDocument) {
  Write("doc", "old version");
  class Failing : public SequentialFile {
   public:
    Result<size_t> Read(char*, size_t) override { return Status::IoError("disk gone"); }
    Status Skip(uint64_t) override { return Status::OK(); }
  } failing;
  EXPECT_EQ(replica_->WriteFile("doc", &failing, WriteMeta{}).message(), "disk gone");
  EXPECT_EQ(ReadAll(replica_.get(), "doc"), "old version");
}

}  // namespace
}  // namespace ferry::sync
