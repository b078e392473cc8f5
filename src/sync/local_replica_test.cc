#include "sync/local_replica.h"

#include <gtest/gtest.h>

#include <map>

#include "base/file_util.h"
#include "base/mem_env.h"
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

std::map<std::string, std::string> Listing(Replica* r) {
  std::map<std::string, std::string> out;
  Status s = r->List([&](ReplicaEntry e) {
    std::string what(EntryKindName(e.kind));
    if (e.kind == EntryKind::kSymlink) what += " -> " + e.link_target;
    if (e.kind == EntryKind::kFile) what += " " + std::to_string(e.size);
    out[e.path] = what;
    return Status::OK();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

class LocalReplicaTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(CreateDirs(&env_, "/r").ok()); }
  void Write(const std::string& path, const std::string& bytes, int64_t mtime_ns = 5,
             uint32_t mode = 0644) {
    StringSource src(bytes);
    Status s = replica_.WriteFile(path, &src, WriteMeta{mtime_ns, mode, std::nullopt});
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  MemEnv env_;
  LocalReplica replica_{&env_, "/r"};
};

TEST_F(LocalReplicaTest, IdNamesTheNormalizedRoot) {
  EXPECT_EQ(LocalReplica(&env_, "/x//y/").id(), "local:/x/y");
}

TEST_F(LocalReplicaTest, RootStateSeesMissingEmptyAndPopulated) {
  EXPECT_EQ(LocalReplica(&env_, "/nope").GetRootState().value(), RootState::kMissing);
  EXPECT_EQ(replica_.GetRootState().value(), RootState::kEmpty);
  ASSERT_TRUE(env_.CreateDir("/r/.ferry-trash").ok());
  EXPECT_EQ(replica_.GetRootState().value(), RootState::kEmpty);  // the trash is not content
  Write("a", "x");
  EXPECT_EQ(replica_.GetRootState().value(), RootState::kPopulated);
}

TEST_F(LocalReplicaTest, WriteFileCreatesParentsAndKeepsMtimeAndMode) {
  Write("d/e/f.txt", "hello", 1234567, 0600);
  EXPECT_EQ(ReadAll(&replica_, "d/e/f.txt"), "hello");
  FileInfo info = env_.LinkStat("/r/d/e/f.txt").value();
  EXPECT_EQ(info.mtime_ns, 1234567);
  EXPECT_EQ(info.mode, 0600u);
  EXPECT_EQ(env_.ListDir("/r/d/e").value().size(), 1u);  // no temp left behind
}

TEST_F(LocalReplicaTest, WriteFileRefusesBytesThatAreNotTheExpectedVersion) {
  Write("f", "old");
  StringSource changed("changed while copying");
  WriteMeta meta;
  meta.expected_hash = HashBytes("what the plan saw");
  Status s = replica_.WriteFile("f", &changed, meta);
  EXPECT_EQ(s.code(), StatusCode::kConflict);
  EXPECT_EQ(s.message(), "write /r/f: the source changed while it was copied; not replaced");
  EXPECT_EQ(ReadAll(&replica_, "f"), "old");
  EXPECT_EQ(env_.ListDir("/r").value().size(), 1u);  // the temp is gone
  StringSource right("what the plan saw");
  EXPECT_TRUE(replica_.WriteFile("f", &right, meta).ok());
  EXPECT_EQ(ReadAll(&replica_, "f"), "what the plan saw");
}

TEST_F(LocalReplicaTest, WriteFileIsDurableAfterACrash) {
  env_.MarkAllDurable();
  Write("f", "new bytes");
  env_.SimulateCrash(MemEnv::CrashOutcome::kLoseUnsynced);
  EXPECT_EQ(ReadAll(&replica_, "f"), "new bytes");
}

TEST_F(LocalReplicaTest, ListWalksFilesLinksAndDirsButNotTrashOrTemps) {
  Write("a.txt", "abc");
  Write("sub/b.txt", "");
  ASSERT_TRUE(replica_.WriteSymlink("sub/link", "../a.txt").ok());
  ASSERT_TRUE(env_.CreateDir("/r/.ferry-trash").ok());
  ASSERT_TRUE(WriteFileAtomically(&env_, "/r/.ferry-trash/old", "x").ok());
  ASSERT_TRUE(WriteFileAtomically(&env_, MakeTempPathFor("/r/sub/c"), "partial").ok());
  std::map<std::string, std::string> want = {{"a.txt", "file 3"},
                                             {"sub", "dir"},
                                             {"sub/b.txt", "file 0"},
                                             {"sub/link", "symlink -> ../a.txt"}};
  EXPECT_EQ(Listing(&replica_), want);
}

TEST_F(LocalReplicaTest, StatDoesNotFollowLinksAndSaysNotFound) {
  ASSERT_TRUE(replica_.WriteSymlink("l", "/etc/passwd").ok());
  ReplicaEntry e = replica_.Stat("l").value();
  EXPECT_EQ(e.kind, EntryKind::kSymlink);
  EXPECT_EQ(e.link_target, "/etc/passwd");
  EXPECT_EQ(e.size, 11u);
  EXPECT_TRUE(replica_.Stat("missing").status().IsNotFound());
}

TEST_F(LocalReplicaTest, PathsThatLeaveTheRootAreRefused) {
  for (std::string bad : {"../x", "/etc/passwd", "a//b", "a/./b", ""}) {
    Status s = replica_.Stat(bad).status();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(replica_.Stat("../x").status().message(),
            "sync path '../x' under /r is not a relative path inside the replica");
}

TEST_F(LocalReplicaTest, RenameRefusesToReplaceAnExistingTarget) {
  Write("a", "1");
  Write("b", "2");
  Status s = replica_.Rename("a", "b");
  EXPECT_TRUE(s.IsAlreadyExists());
  EXPECT_EQ(ReadAll(&replica_, "b"), "2");
  ASSERT_TRUE(replica_.Rename("a", "new/dir/c").ok());
  EXPECT_EQ(ReadAll(&replica_, "new/dir/c"), "1");
  EXPECT_TRUE(replica_.Stat("a").status().IsNotFound());
}

TEST_F(LocalReplicaTest, PreserveInBackupKeepsTheOldVersionThroughAnOverwrite) {
  Write("doc.md", "version 1");
  ASSERT_TRUE(replica_.PreserveInBackup("doc.md", ".ferry-trash/20260101-000000/doc.md").ok());
  Write("doc.md", "version 2");
  EXPECT_EQ(ReadAll(&replica_, "doc.md"), "version 2");
  EXPECT_EQ(ReadAll(&replica_, ".ferry-trash/20260101-000000/doc.md"), "version 1");
}

TEST_F(LocalReplicaTest, PreserveInBackupCopiesALinkAsALink) {
  ASSERT_TRUE(replica_.WriteSymlink("l", "target").ok());
  ASSERT_TRUE(replica_.PreserveInBackup("l", ".ferry-trash/t/l").ok());
  EXPECT_EQ(env_.ReadLink("/r/.ferry-trash/t/l").value(), "target");
}

TEST_F(LocalReplicaTest, MoveToBackupSurvivesACrash) {
  Write("gone.txt", "keep me");
  env_.MarkAllDurable();
  ASSERT_TRUE(replica_.MoveToBackup("gone.txt", ".ferry-trash/t/gone.txt").ok());
  env_.SimulateCrash(MemEnv::CrashOutcome::kLoseUnsynced);
  EXPECT_TRUE(replica_.Stat("gone.txt").status().IsNotFound());
  EXPECT_EQ(ReadAll(&replica_, ".ferry-trash/t/gone.txt"), "keep me");
}

TEST_F(LocalReplicaTest, CreateAndRemoveDir) {
  ASSERT_TRUE(replica_.CreateDir("x/y", 0755).ok());
  ASSERT_TRUE(replica_.CreateDir("x/y", 0755).ok());  // already there: fine
  EXPECT_EQ(replica_.Stat("x/y").value().kind, EntryKind::kDir);
  ASSERT_TRUE(replica_.RemoveDir("x/y").ok());
  EXPECT_TRUE(replica_.Stat("x/y").status().IsNotFound());
}

TEST_F(LocalReplicaTest, NeverWritesThroughASymlinkedDirectory) {
  ASSERT_TRUE(CreateDirs(&env_, "/outside").ok());
  ASSERT_TRUE(replica_.WriteSymlink("d", "/outside").ok());
  StringSource src("x");
  Status s = replica_.WriteFile("d/f", &src, WriteMeta{});
  EXPECT_EQ(s.code(), StatusCode::kRefused);
  EXPECT_EQ(s.message(),
            "mkdir /r/d: is a symlink; ferry syncs links as links and never writes through one");
  EXPECT_TRUE(env_.ListDir("/outside").value().empty());
}

// The same operations on the real filesystem: hardlinks, times and modes as the kernel does
// them.
TEST(LocalReplicaPosixTest, WriteBackupAndListOnARealDisk) {
  testing::TempDir temp;
  Env* env = Env::Default();
  LocalReplica replica(env, temp.path());
  StringSource v1("one");
  ASSERT_TRUE(
      replica.WriteFile("d/f.txt", &v1, WriteMeta{1700000000123456789, 0640, std::nullopt}).ok());
  FileInfo info = env->LinkStat(temp.Join("d/f.txt")).value();
  EXPECT_EQ(info.mtime_ns, 1700000000123456789);
  EXPECT_EQ(info.mode, 0640u);
  ASSERT_TRUE(replica.PreserveInBackup("d/f.txt", ".ferry-trash/s/d/f.txt").ok());
  StringSource v2("two");
  ASSERT_TRUE(
      replica.WriteFile("d/f.txt", &v2, WriteMeta{1700000000000000000, 0644, std::nullopt}).ok());
  EXPECT_EQ(ReadAll(&replica, "d/f.txt"), "two");
  EXPECT_EQ(ReadAll(&replica, ".ferry-trash/s/d/f.txt"), "one");
  ASSERT_TRUE(replica.WriteSymlink("d/l", "f.txt").ok());
  std::map<std::string, std::string> want = {
      {"d", "dir"}, {"d/f.txt", "file 3"}, {"d/l", "symlink -> f.txt"}};
  EXPECT_EQ(Listing(&replica), want);
}

}  // namespace
}  // namespace ferry::sync
