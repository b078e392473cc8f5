// MemEnv behaviour beyond the shared contract of env_test.cc: the manual clock, permission
// bits enforced even where a root-run PosixEnv test cannot check them, symlink loops,
// handles that outlive the env.
#include "base/mem_env.h"

#include <string>

#include <gtest/gtest.h>

#include "base/file_util.h"

namespace ferry {
namespace {

class MemEnvTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(env_.CreateDir("/w", 0755).ok()); }
  MemEnv env_;
};

TEST_F(MemEnvTest, ClockStartsAt2026AndMovesOnlyWhenAdvanced) {
  EXPECT_EQ(env_.NowUnixNanos(), 1767225600LL * 1000000000LL);
  int64_t mono = env_.NowMonotonicNanos();
  EXPECT_EQ(env_.NowMonotonicNanos(), mono);
  ASSERT_TRUE(WriteFileAtomically(&env_, "/w/f", "x").ok());
  EXPECT_EQ(env_.Stat("/w/f")->mtime_ns, MemEnv::kClockStartUnixNanos);

  env_.AdvanceClock(5'000'000'000);
  env_.SleepForMicros(1);
  EXPECT_EQ(env_.NowUnixNanos(), MemEnv::kClockStartUnixNanos + 5'000'001'000);
  EXPECT_EQ(env_.NowMonotonicNanos(), mono + 5'000'001'000);
  ASSERT_TRUE(env_.Chmod("/w/f", 0600).ok());
  auto info = env_.Stat("/w/f");
  EXPECT_EQ(info->mtime_ns, MemEnv::kClockStartUnixNanos);
  EXPECT_EQ(info->ctime_ns, MemEnv::kClockStartUnixNanos + 5'000'001'000);
}

TEST_F(MemEnvTest, FreeSpaceReportsWhatTheTestSet) {
  EXPECT_EQ(*env_.FreeSpace("/w"), MemEnv::kDefaultFreeSpace);
  env_.SetFreeSpace(12345);
  EXPECT_EQ(*env_.FreeSpace("/w"), 12345u);
  EXPECT_EQ(*env_.FreeSpace("/"), 12345u);
}

TEST_F(MemEnvTest, NewMemEnvReturnsAnIndependentFilesystem) {
  std::unique_ptr<Env> a = NewMemEnv();
  std::unique_ptr<Env> b = NewMemEnv();
  ASSERT_TRUE(WriteFileAtomically(a.get(), "/x", "a").ok());
  EXPECT_EQ(b->Stat("/x").status().code(), StatusCode::kNotFound);
  EXPECT_NE(a->Stat("/")->device, b->Stat("/")->device);
}

TEST_F(MemEnvTest, ReadOnlyDirectoryRefusesNewEntries) {
  ASSERT_TRUE(env_.CreateDir("/w/ro", 0555).ok());
  auto w = env_.NewWritableFile("/w/ro/f", 0644);
  EXPECT_EQ(w.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(w.status().message(), "open /w/ro/f: Permission denied");
  EXPECT_EQ(env_.CreateDir("/w/ro/d", 0755).code(), StatusCode::kPermissionDenied);
  ASSERT_TRUE(env_.Chmod("/w/ro", 0755).ok());
  ASSERT_TRUE(WriteFileAtomically(&env_, "/w/ro/f", "x").ok());
  ASSERT_TRUE(env_.Chmod("/w/ro", 0555).ok());
  EXPECT_EQ(env_.RemoveFile("/w/ro/f").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(env_.Rename("/w/ro/f", "/w/g").code(), StatusCode::kPermissionDenied);
}

TEST_F(MemEnvTest, ReadOnlyFileRefusesTruncateAndWriteButNotRead) {
  ASSERT_TRUE(WriteFileAtomically(&env_, "/w/f", "keep", 0444).ok());
  EXPECT_EQ(env_.Truncate("/w/f", 0).code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(env_.NewAppendableFile("/w/f", 0644).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(*ReadFileToString(&env_, "/w/f", 100), "keep");
  ASSERT_TRUE(env_.Chmod("/w/f", 0200).ok());
  EXPECT_EQ(env_.NewSequentialFile("/w/f").status().code(), StatusCode::kPermissionDenied);
}

TEST_F(MemEnvTest, SymlinkLoopStopsAfterFortyHops) {
  ASSERT_TRUE(env_.Symlink("/w/b", "/w/a").ok());
  ASSERT_TRUE(env_.Symlink("/w/a", "/w/b").ok());
  Status s = env_.Stat("/w/a").status();
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_EQ(s.message(), "stat /w/a: Too many levels of symbolic links");
  EXPECT_TRUE(env_.LinkStat("/w/a")->is_symlink());

  // A chain of exactly 40 links resolves; 41 does not.
  ASSERT_TRUE(WriteFileAtomically(&env_, "/w/t0", "end").ok());
  for (int i = 1; i <= 41; ++i) {
    ASSERT_TRUE(env_.Symlink("t" + std::to_string(i - 1), "/w/t" + std::to_string(i)).ok());
  }
  EXPECT_EQ(*ReadFileToString(&env_, "/w/t40", 100), "end");
  EXPECT_FALSE(env_.Stat("/w/t41").ok());
}

TEST_F(MemEnvTest, DotAndDotDotAndRelativePathsResolve) {
  ASSERT_TRUE(CreateDirs(&env_, "/w/a/b").ok());
  ASSERT_TRUE(WriteFileAtomically(&env_, "/w/a/b/../f", "x").ok());
  EXPECT_EQ(*ReadFileToString(&env_, "/w/a/./f", 10), "x");
  EXPECT_EQ(*ReadFileToString(&env_, "w/a/f", 10), "x");  // relative to "/"
  EXPECT_EQ(*ReadFileToString(&env_, "/../w/a/f", 10), "x");
}

TEST_F(MemEnvTest, RenameOfADirectoryIntoItselfIsRefused) {
  ASSERT_TRUE(CreateDirs(&env_, "/w/a/b").ok());
  Status s = env_.Rename("/w/a", "/w/a/b/c");
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_EQ(s.message(), "rename /w/a -> /w/a/b/c: Invalid argument");
  ASSERT_TRUE(env_.Rename("/w/a", "/w/z").ok());
  EXPECT_TRUE(env_.Stat("/w/z/b")->is_directory());
}

TEST_F(MemEnvTest, OpenFilesAndLocksOutliveTheEnv) {
  auto env = std::make_unique<MemEnv>();
  auto f = env->NewWritableFile("/f", 0644);
  auto lock = env->LockFile("/lock", "me", false);
  ASSERT_TRUE(f.ok() && lock.ok());
  env.reset();
  EXPECT_TRUE((*f)->Append("late").ok());
  EXPECT_TRUE((*f)->Close().ok());
  lock->reset();
}

TEST_F(MemEnvTest, LockIsPerInodeSoAHardLinkedNameIsBusyToo) {
  auto lock = env_.LockFile("/w/lock", "first", false);
  ASSERT_TRUE(lock.ok());
  ASSERT_TRUE(env_.HardLink("/w/lock", "/w/lock2").ok());
  auto other = env_.LockFile("/w/lock2", "second", false);
  EXPECT_EQ(other.status().code(), StatusCode::kBusy);
  EXPECT_EQ(other.status().message(),
            "lock /w/lock2 is held by first; wait for it to finish or stop it");
}

TEST_F(MemEnvTest, DirectoryLinkCountCountsSubdirectories) {
  ASSERT_TRUE(CreateDirs(&env_, "/w/d/x").ok());
  ASSERT_TRUE(env_.CreateDir("/w/d/y", 0700).ok());
  ASSERT_TRUE(WriteFileAtomically(&env_, "/w/d/f", "").ok());
  EXPECT_EQ(env_.Stat("/w/d")->link_count, 4u);
  EXPECT_EQ(env_.Stat("/w/d/y")->mode, 0700u);
}

// The crash model (issue 10): what a power cut leaves.
class MemEnvCrashTest : public ::testing::Test {
 protected:
  MemEnvCrashTest() {
    EXPECT_TRUE(CreateDirs(&env_, "/d").ok());
    env_.MarkAllDurable();
  }
  std::string Read(const std::string& path) {
    Result<std::string> r = ReadFileToString(&env_, path, 1 << 20);
    return r.ok() ? *r : "<" + r.status().message() + ">";
  }
  bool Exists(const std::string& path) { return *PathExists(&env_, path); }
  void Write(const std::string& path, const std::string& data, bool sync) {
    auto f = env_.NewWritableFile(path, 0644);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append(data).ok());
    if (sync) {
      ASSERT_TRUE((*f)->Sync().ok());
    }
    ASSERT_TRUE((*f)->Close().ok());
  }

  MemEnv env_;
};

TEST_F(MemEnvCrashTest, UnsyncedAppendsAreLostSyncedOnesKept) {
  Write("/d/f", "first", /*sync=*/true);
  ASSERT_TRUE(env_.SyncDir("/d").ok());
  auto f = env_.NewAppendableFile("/d/f", 0644);
  ASSERT_TRUE((*f)->Append(" second").ok());
  env_.SimulateCrash(MemEnv::CrashOutcome::kLoseUnsynced);
  EXPECT_EQ(Read("/d/f"), "first");
}

TEST_F(MemEnvCrashTest, KernelKeptEverythingOutcomeChangesNothing) {
  Write("/d/f", "bytes", /*sync=*/false);
  env_.SimulateCrash(MemEnv::CrashOutcome::kKernelKeptEverything);
  EXPECT_EQ(Read("/d/f"), "bytes");
}

TEST_F(MemEnvCrashTest, FileCreatedSinceTheDirectorysLastSyncVanishesEvenIfItsDataWasSynced) {
  Write("/d/f", "bytes", /*sync=*/true);
  env_.SimulateCrash(MemEnv::CrashOutcome::kLoseUnsynced);
  EXPECT_FALSE(Exists("/d/f"));
}

TEST_F(MemEnvCrashTest, RenameWithoutSyncDirComesBackUnderTheOldName) {
  Write("/d/tmp", "new", /*sync=*/true);
  ASSERT_TRUE(env_.SyncDir("/d").ok());
  Write("/d/f", "old", /*sync=*/true);
  ASSERT_TRUE(env_.SyncDir("/d").ok());
  ASSERT_TRUE(env_.Rename("/d/tmp", "/d/f").ok());
  EXPECT_EQ(Read("/d/f"), "new");
  env_.SimulateCrash(MemEnv::CrashOutcome::kLoseUnsynced);
  EXPECT_EQ(Read("/d/f"), "old");
  EXPECT_EQ(Read("/d/tmp"), "new");
}

TEST_F(MemEnvCrashTest, RenameFollowedBySyncDirSurvivesAndSoDoesARemoval) {
  Write("/d/tmp", "new", /*sync=*/true);
  Write("/d/gone", "x", /*sync=*/true);
  ASSERT_TRUE(env_.SyncDir("/d").ok());
  ASSERT_TRUE(env_.Rename("/d/tmp", "/d/f").ok());
  ASSERT_TRUE(env_.RemoveFile("/d/gone").ok());
  ASSERT_TRUE(env_.SyncDir("/d").ok());
  env_.SimulateCrash(MemEnv::CrashOutcome::kLoseUnsynced);
  EXPECT_EQ(Read("/d/f"), "new");
  EXPECT_FALSE(Exists("/d/tmp"));
  EXPECT_FALSE(Exists("/d/gone"));
}

TEST_F(MemEnvCrashTest, RemovalWithoutSyncDirComesBack) {
  Write("/d/f", "kept", /*sync=*/true);
  ASSERT_TRUE(env_.SyncDir("/d").ok());
  ASSERT_TRUE(env_.RemoveFile("/d/f").ok());
  env_.SimulateCrash(MemEnv::CrashOutcome::kLoseUnsynced);
  EXPECT_EQ(Read("/d/f"), "kept");
}

TEST_F(MemEnvCrashTest, NewDirectoryNeedsItsParentSyncedAndItsEntriesItsOwnSync) {
  ASSERT_TRUE(env_.CreateDir("/d/sub", 0755).ok());
  Write("/d/sub/f", "x", /*sync=*/true);
  ASSERT_TRUE(env_.SyncDir("/d/sub").ok());
  env_.SimulateCrash(MemEnv::CrashOutcome::kLoseUnsynced);
  EXPECT_FALSE(Exists("/d/sub")) << "the parent /d was never synced";

  ASSERT_TRUE(env_.CreateDir("/d/sub", 0755).ok());
  ASSERT_TRUE(env_.SyncDir("/d").ok());
  Write("/d/sub/f", "x", /*sync=*/true);
  env_.SimulateCrash(MemEnv::CrashOutcome::kLoseUnsynced);
  EXPECT_TRUE(Exists("/d/sub"));
  EXPECT_FALSE(Exists("/d/sub/f")) << "/d/sub was never synced after f was made";
}

TEST_F(MemEnvCrashTest, HardLinkAndSymlinkAreDurableWithTheirDirectory) {
  Write("/d/f", "x", /*sync=*/true);
  ASSERT_TRUE(env_.SyncDir("/d").ok());
  ASSERT_TRUE(env_.HardLink("/d/f", "/d/h").ok());
  ASSERT_TRUE(env_.Symlink("f", "/d/s").ok());
  env_.SimulateCrash(MemEnv::CrashOutcome::kLoseUnsynced);
  EXPECT_FALSE(Exists("/d/h"));
  EXPECT_FALSE(Exists("/d/s"));
  EXPECT_EQ(env_.Stat("/d/f")->link_count, 1u);

  ASSERT_TRUE(env_.HardLink("/d/f", "/d/h").ok());
  ASSERT_TRUE(env_.Symlink("f", "/d/s").ok());
  ASSERT_TRUE(env_.SyncDir("/d").ok());
  env_.SimulateCrash(MemEnv::CrashOutcome::kLoseUnsynced);
  EXPECT_EQ(env_.Stat("/d/f")->link_count, 2u);
  EXPECT_EQ(*env_.ReadLink("/d/s"), "f");
  EXPECT_EQ(Read("/d/s"), "x");
}

TEST_F(MemEnvCrashTest, TruncateWithoutSyncIsUndone) {
  Write("/d/f", "0123456789", /*sync=*/true);
  ASSERT_TRUE(env_.SyncDir("/d").ok());
  ASSERT_TRUE(env_.Truncate("/d/f", 3).ok());
  env_.SimulateCrash(MemEnv::CrashOutcome::kLoseUnsynced);
  EXPECT_EQ(Read("/d/f"), "0123456789");
}

}  // namespace
}  // namespace ferry
