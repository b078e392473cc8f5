// The local transport on MemEnv: the copy is byte-identical, carries the cache dir, and is
// durable when the call returns (a crash right after loses nothing).
#include "push/local_transport.h"

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/mem_env.h"

namespace ferry::push {
namespace {

class LocalTransportTest : public ::testing::Test {
 protected:
  void Write(const std::string& path, const std::string& data) {
    ASSERT_TRUE(CreateDirs(&env_, path.substr(0, path.rfind('/'))).ok());
    ASSERT_TRUE(WriteFileAtomically(&env_, path, data).ok());
  }
  std::string Read(const std::string& path) {
    Result<std::string> r = ReadFileToString(&env_, path, 1 << 20);
    return r.ok() ? *r : "<" + r.status().message() + ">";
  }

  MemEnv env_;
  const std::string run_ = "/data/lab/EQ/P1/Runs/Run_1";
  const std::string dest_ = "/mnt/nas/lab/EQ/P1/Runs/Run_1";
};

TEST_F(LocalTransportTest, CopiesEveryFileIncludingTheCacheDirDurably) {
  Write(run_ + "/a.tif", "pixels");
  Write(run_ + "/sub/deeper/b.csv", "1,2,3");
  Write(run_ + "/.ferry/checksums.sha256", "manifest");
  ASSERT_TRUE(CreateDirs(&env_, "/mnt/nas/lab").ok());
  env_.MarkAllDurable();  // the run and the share's root exist before the push

  Result<LocalPushStats> stats = PushRunLocally(&env_, run_, dest_);
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ(stats->files, 3u);
  EXPECT_EQ(stats->bytes, 6u + 5u + 8u);

  env_.SimulateCrash(MemEnv::CrashOutcome::kLoseUnsynced);  // power cut right after
  EXPECT_EQ(Read(dest_ + "/a.tif"), "pixels");
  EXPECT_EQ(Read(dest_ + "/sub/deeper/b.csv"), "1,2,3");
  EXPECT_EQ(Read(dest_ + "/.ferry/checksums.sha256"), "manifest");
  // Nothing else: no temps left behind.
  EXPECT_EQ(env_.ListDir(dest_)->size(), 3u);  // .ferry, a.tif, sub
}

TEST_F(LocalTransportTest, PushingAgainReplacesWhatIsThere) {
  Write(run_ + "/a.tif", "new");
  Write(dest_ + "/a.tif", "old and longer");
  ASSERT_TRUE(PushRunLocally(&env_, run_, dest_).ok());
  EXPECT_EQ(Read(dest_ + "/a.tif"), "new");
}

TEST_F(LocalTransportTest, CancelStopsBetweenFiles) {
  Write(run_ + "/a", "1");
  Write(run_ + "/b", "2");
  std::atomic<bool> cancel{true};
  Result<LocalPushStats> r = PushRunLocally(&env_, run_, dest_, &cancel);
  EXPECT_TRUE(r.status().IsCancelled());
  EXPECT_EQ(r.status().message(), "push of " + run_ + " to " + dest_ + " cancelled after 0 files");
  EXPECT_FALSE(*PathExists(&env_, dest_ + "/a"));
}

TEST_F(LocalTransportTest, VanishedRunIsNotFound) {
  EXPECT_TRUE(PushRunLocally(&env_, run_, dest_).status().IsNotFound());
}

TEST_F(LocalTransportTest, FileInTheWayOfADirectoryIsAClearError) {
  Write(run_ + "/sub/a", "1");
  Write(dest_ + "/sub", "a file where the run has a directory");
  EXPECT_EQ(
      PushRunLocally(&env_, run_, dest_).status().message(),
      "cannot create directory " + dest_ + "/sub: a file of that name exists on the destination");
}

}  // namespace
}  // namespace ferry::push
