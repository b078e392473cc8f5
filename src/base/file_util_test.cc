#include "base/file_util.h"

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/fault_injection_env.h"
#include "base/mem_env.h"
#include "base/path.h"
#include "support/temp_dir.h"

namespace ferry {
namespace {

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

std::vector<std::string> Names(Env* env, const std::string& dir) {
  std::vector<std::string> names;
  auto list = env->ListDir(dir);
  EXPECT_TRUE(list.ok()) << list.status().ToString();
  if (list.ok()) {
    for (const DirEntry& e : *list) names.push_back(e.name);
  }
  return names;
}

class FileUtilTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(mem_.CreateDir("/w", 0755).ok()); }
  MemEnv mem_;
  testing::TempDir temp_;
};

TEST_F(FileUtilTest, WriteFileAtomicallyLeavesOldOrNewBytesWhenCrashingAtEveryStep) {
  Env* disk = Env::Default();
  const std::string dir = temp_.Join("ws");
  const std::string final_path = dir + "/table.parquet";
  const std::string old_bytes = RandomBytes(100 * 1024, 1);
  const std::string new_bytes = RandomBytes(200 * 1024 + 7, 2);
  ASSERT_TRUE(CreateDirs(disk, dir).ok());

  // A clean run tells how many steps there are and which one is the rename.
  ASSERT_TRUE(WriteFileAtomically(disk, final_path, old_bytes).ok());
  FaultInjectionEnv counting(disk);
  ASSERT_TRUE(WriteFileAtomically(&counting, final_path, new_bytes).ok());
  const int64_t total = counting.steps();
  std::vector<std::string> log = counting.log();
  ASSERT_EQ(total, 6) << "open, write, fsync, close, rename, fsync dir";
  int64_t rename_step = 0;
  for (size_t i = 0; i < log.size(); ++i) {
    if (log[i].rfind("rename ", 0) == 0) rename_step = static_cast<int64_t>(i) + 1;
  }
  ASSERT_EQ(rename_step, 5);

  for (int64_t k = 0; k <= total; ++k) {
    SCOPED_TRACE("crash after " + std::to_string(k) + " steps");
    ASSERT_TRUE(RemoveTree(disk, dir).ok());
    ASSERT_TRUE(CreateDirs(disk, dir).ok());
    ASSERT_TRUE(WriteFileAtomically(disk, final_path, old_bytes).ok());

    FaultInjectionEnv env(disk);
    env.CrashAfterSteps(k);
    Status s = WriteFileAtomically(&env, final_path, new_bytes);
    EXPECT_EQ(s.ok(), k == total) << s.ToString();
    EXPECT_EQ(env.steps(), k);

    auto bytes = ReadFileToString(disk, final_path, 1 << 20);
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    EXPECT_EQ(*bytes == new_bytes ? "new" : *bytes == old_bytes ? "old" : "torn",
              std::string(k >= rename_step ? "new" : "old"));
    // Anything else in the directory is a temp an audit would recognise and clean.
    for (const std::string& name : Names(disk, dir)) {
      if (name != "table.parquet") {
        EXPECT_TRUE(IsTempName(name)) << name;
      }
    }
  }
}

TEST_F(FileUtilTest, WriteFileAtomicallyRemovesTheTempOnEveryFailure) {
  ASSERT_TRUE(WriteFileAtomically(&mem_, "/w/f", "old").ok());
  for (FaultOp op : {FaultOp::kOpenWrite, FaultOp::kAppend, FaultOp::kSync, FaultOp::kClose,
                     FaultOp::kRename, FaultOp::kSyncDir}) {
    SCOPED_TRACE(std::string(FaultOpName(op)));
    FaultInjectionEnv env(&mem_);
    env.FailNth(op, 1, StatusCode::kNoSpace);
    Status s = WriteFileAtomically(&env, "/w/f", "new");
    EXPECT_EQ(s.code(), StatusCode::kNoSpace);
    EXPECT_NE(s.message().find("No space left on device (injected)"), std::string::npos);
    EXPECT_EQ(Names(&mem_, "/w"), std::vector<std::string>{"f"});
    // Only a failing directory fsync comes after the rename.
    EXPECT_EQ(*ReadFileToString(&mem_, "/w/f", 100), op == FaultOp::kSyncDir ? "new" : "old");
    ASSERT_TRUE(WriteFileAtomically(&mem_, "/w/f", "old").ok());
  }
}

TEST_F(FileUtilTest, WriteFileAtomicallyAppliesModeAndSyncsDirectory) {
  FaultInjectionEnv env(&mem_);
  ASSERT_TRUE(WriteFileAtomically(&env, "/w/f", "abc", 0444).ok());
  EXPECT_EQ(mem_.Stat("/w/f")->mode, 0444u);
  std::vector<std::string> log = env.log();
  ASSERT_EQ(log.size(), 6u);
  EXPECT_EQ(log.back(), "fsync /w");
  EXPECT_EQ(log[2].substr(0, 9), "fsync /w/");  // the temp's fsync comes before the rename
  // Replacing a read-only file works: the rename needs only the directory to be writable.
  ASSERT_TRUE(WriteFileAtomically(&mem_, "/w/f", "xyz", 0444).ok());
  EXPECT_EQ(*ReadFileToString(&mem_, "/w/f", 10), "xyz");
}

TEST_F(FileUtilTest, AtomicFileWriterStreamsAndRemovesItsTempWhenNotCommitted) {
  {
    auto w = AtomicFileWriter::Open(&mem_, "/w/out", 0644);
    ASSERT_TRUE(w.ok());
    EXPECT_TRUE(IsTempName(BaseName((*w)->temp_path())));
    EXPECT_EQ(DirName((*w)->temp_path()), "/w");
    ASSERT_TRUE((*w)->Append("part1").ok());
    EXPECT_EQ(Names(&mem_, "/w").size(), 1u);  // the temp
  }
  EXPECT_TRUE(Names(&mem_, "/w").empty());
  EXPECT_EQ(mem_.Stat("/w/out").status().code(), StatusCode::kNotFound);

  auto w = AtomicFileWriter::Open(&mem_, "/w/out", 0600);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append("part1,").ok());
  ASSERT_TRUE((*w)->Append("part2").ok());
  ASSERT_TRUE((*w)->Commit().ok());
  EXPECT_EQ(*ReadFileToString(&mem_, "/w/out", 100), "part1,part2");
  EXPECT_EQ(Names(&mem_, "/w"), std::vector<std::string>{"out"});
  EXPECT_EQ((*w)->Commit().code(), StatusCode::kInternal);
}

TEST_F(FileUtilTest, AtomicFileWriterOpenFailsInAMissingDirectory) {
  auto w = AtomicFileWriter::Open(&mem_, "/nope/out", 0644);
  EXPECT_EQ(w.status().code(), StatusCode::kNotFound);
}

TEST_F(FileUtilTest, IsTempNameRecognisesOnlyOurTemps) {
  std::string temp = MakeTempPathFor("/w/data.csv");
  EXPECT_EQ(temp.substr(0, 23), "/w/.data.csv.ferry-tmp-");
  EXPECT_EQ(temp.size(), 23u + 16u);
  EXPECT_TRUE(IsTempName(BaseName(temp)));
  EXPECT_TRUE(IsTempName(".x.ferry-tmp-0123456789abcdef"));
  EXPECT_FALSE(IsTempName("x.ferry-tmp-0123456789abcdef"));   // no leading dot
  EXPECT_FALSE(IsTempName(".x.ferry-tmp-0123456789abcde"));   // 15 digits
  EXPECT_FALSE(IsTempName(".x.ferry-tmp-0123456789abcdeg"));  // not hex
  EXPECT_FALSE(IsTempName(".x.ferry-tmp-0123456789ABCDEF"));
  EXPECT_FALSE(IsTempName("data.csv"));
  EXPECT_FALSE(IsTempName(""));
  // A very long name is shortened so the temp stays under NAME_MAX.
  std::string long_name(250, 'n');
  EXPECT_LE(BaseName(MakeTempPathFor("/w/" + long_name)).size(), 255u);
  EXPECT_TRUE(IsTempName(BaseName(MakeTempPathFor("/w/" + long_name))));
  EXPECT_TRUE(WriteFileAtomically(Env::Default(), temp_.Join(long_name), "x").ok());
  EXPECT_NE(MakeTempPathFor("/w/a"), MakeTempPathFor("/w/a"));
}

TEST_F(FileUtilTest, ReadFileToStringEnforcesTheSizeCap) {
  ASSERT_TRUE(WriteFileAtomically(&mem_, "/w/f", "0123456789").ok());
  EXPECT_EQ(*ReadFileToString(&mem_, "/w/f", 10), "0123456789");
  auto r = ReadFileToString(&mem_, "/w/f", 9);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "read /w/f: file is larger than the limit of 9 bytes");
  EXPECT_EQ(ReadFileToString(&mem_, "/w/none", 9).status().message(),
            "open /w/none: No such file or directory");
  // The same on disk, with a file bigger than one read chunk.
  const std::string path = temp_.Join("big");
  ASSERT_TRUE(WriteFileAtomically(Env::Default(), path, std::string(70000, 'b')).ok());
  EXPECT_EQ(ReadFileToString(Env::Default(), path, 70000)->size(), 70000u);
  EXPECT_EQ(ReadFileToString(Env::Default(), path, 69999).status().message(),
            "read " + path + ": file is larger than the limit of 69999 bytes");
}

TEST_F(FileUtilTest, CopyFileCopiesBytesExactlyOnDiskAndInMemory) {
  const std::string data = RandomBytes(3 * 1024 * 1024 + 11, 3);  // several 1 MiB chunks
  Env* disk = Env::Default();
  ASSERT_TRUE(WriteFileAtomically(disk, temp_.Join("src"), data).ok());
  ASSERT_TRUE(CopyFile(disk, temp_.Join("src"), temp_.Join("dst"), 0600).ok());
  EXPECT_EQ(*ReadFileToString(disk, temp_.Join("dst"), 1 << 23), data);
  EXPECT_EQ(disk->Stat(temp_.Join("dst"))->mode, 0600u);
  EXPECT_NE(disk->Stat(temp_.Join("dst"))->inode, disk->Stat(temp_.Join("src"))->inode);

  ASSERT_TRUE(WriteFileAtomically(&mem_, "/w/src", data).ok());
  ASSERT_TRUE(WriteFileAtomically(&mem_, "/w/dst", "old").ok());
  ASSERT_TRUE(CopyFile(&mem_, "/w/src", "/w/dst", 0444).ok());
  EXPECT_EQ(*ReadFileToString(&mem_, "/w/dst", 1 << 23), data);
  EXPECT_EQ(mem_.Stat("/w/dst")->mode, 0444u);
  EXPECT_EQ(CopyFile(&mem_, "/w/missing", "/w/x", 0644).code(), StatusCode::kNotFound);
  EXPECT_EQ(Names(&mem_, "/w"), (std::vector<std::string>{"dst", "src"}));
}

TEST_F(FileUtilTest, CopyFileFailureLeavesDestinationUntouched) {
  ASSERT_TRUE(WriteFileAtomically(&mem_, "/w/src", std::string(3 << 20, 's')).ok());
  ASSERT_TRUE(WriteFileAtomically(&mem_, "/w/dst", "old").ok());
  FaultInjectionEnv env(&mem_);
  env.FailNth(FaultOp::kAppend, 2, StatusCode::kIoError);
  Status s = CopyFile(&env, "/w/src", "/w/dst", 0644);
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_EQ(*ReadFileToString(&mem_, "/w/dst", 10), "old");
  EXPECT_EQ(Names(&mem_, "/w"), (std::vector<std::string>{"dst", "src"}));
}

TEST_F(FileUtilTest, CreateDirsMakesParentsAndAcceptsExistingDirectories) {
  ASSERT_TRUE(CreateDirs(&mem_, "/w/a/b/c").ok());
  EXPECT_TRUE(mem_.Stat("/w/a/b/c")->is_directory());
  EXPECT_TRUE(CreateDirs(&mem_, "/w/a/b/c").ok());
  EXPECT_TRUE(CreateDirs(&mem_, "/w/a/b/").ok());
  ASSERT_TRUE(mem_.Symlink("/w/a", "/w/link").ok());
  EXPECT_TRUE(CreateDirs(&mem_, "/w/link/b").ok());  // a symlink to a directory will do
  ASSERT_TRUE(WriteFileAtomically(&mem_, "/w/file", "").ok());
  Status s = CreateDirs(&mem_, "/w/file");
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(s.message(), "mkdir /w/file: exists and is not a directory");

  Env* disk = Env::Default();
  ASSERT_TRUE(CreateDirs(disk, temp_.Join("x/y/z")).ok());
  EXPECT_TRUE(disk->Stat(temp_.Join("x/y/z"))->is_directory());
}

TEST_F(FileUtilTest, PathExistsDoesNotFollowSymlinks) {
  ASSERT_TRUE(WriteFileAtomically(&mem_, "/w/f", "").ok());
  ASSERT_TRUE(mem_.Symlink("/w/none", "/w/dangling").ok());
  EXPECT_TRUE(*PathExists(&mem_, "/w/f"));
  EXPECT_TRUE(*PathExists(&mem_, "/w/dangling"));
  EXPECT_FALSE(*PathExists(&mem_, "/w/none"));
  ASSERT_TRUE(mem_.CreateDir("/w/locked", 0000).ok());
  EXPECT_EQ(PathExists(&mem_, "/w/locked/x").status().code(), StatusCode::kPermissionDenied);
}

TEST_F(FileUtilTest, RemoveTreeRemovesReadOnlyTreesWithoutFollowingSymlinks) {
  ASSERT_TRUE(CreateDirs(&mem_, "/w/stage/a/b").ok());
  ASSERT_TRUE(WriteFileAtomically(&mem_, "/w/stage/a/b/f", "x", 0444).ok());
  ASSERT_TRUE(WriteFileAtomically(&mem_, "/w/stage/a/g", "y", 0444).ok());
  ASSERT_TRUE(CreateDirs(&mem_, "/w/outside").ok());
  ASSERT_TRUE(WriteFileAtomically(&mem_, "/w/outside/keep", "k").ok());
  ASSERT_TRUE(mem_.Symlink("/w/outside", "/w/stage/a/link").ok());
  ASSERT_TRUE(mem_.Chmod("/w/stage/a/b", 0555).ok());
  ASSERT_TRUE(mem_.Chmod("/w/stage/a", 0500).ok());
  ASSERT_TRUE(RemoveTree(&mem_, "/w/stage").ok());
  EXPECT_EQ(Names(&mem_, "/w"), std::vector<std::string>{"outside"});
  EXPECT_EQ(*ReadFileToString(&mem_, "/w/outside/keep", 10), "k");
  EXPECT_TRUE(RemoveTree(&mem_, "/w/stage").ok());  // already gone
  // A single file is removed too.
  EXPECT_TRUE(RemoveTree(&mem_, "/w/outside/keep").ok());
  EXPECT_TRUE(Names(&mem_, "/w/outside").empty());

  Env* disk = Env::Default();
  ASSERT_TRUE(CreateDirs(disk, temp_.Join("s/d")).ok());
  ASSERT_TRUE(WriteFileAtomically(disk, temp_.Join("s/d/f"), "x", 0444).ok());
  ASSERT_TRUE(disk->Chmod(temp_.Join("s/d"), 0555).ok());
  ASSERT_TRUE(RemoveTree(disk, temp_.Join("s")).ok());
  EXPECT_FALSE(*PathExists(disk, temp_.Join("s")));
}

}  // namespace
}  // namespace ferry
