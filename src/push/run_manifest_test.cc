// The run manifest on MemEnv: exact bytes, the cache dir excluded, bytewise order across
// directories, each file opened once, and clear errors.
#include "push/run_manifest.h"

#include <gtest/gtest.h>

#include <atomic>

#include "base/file_util.h"
#include "base/mem_env.h"

namespace ferry::push {
namespace {

// sha256 of "a", "b", "" (sha256sum on this machine).
constexpr char kShaA[] = "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb";
constexpr char kShaB[] = "3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d";
constexpr char kShaEmpty[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// Counts the files opened for reading.
class CountingEnv : public EnvWrapper {
 public:
  explicit CountingEnv(Env* target) : EnvWrapper(target) {}
  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& p) override {
    ++opens;
    return EnvWrapper::NewSequentialFile(p);
  }
  std::atomic<int> opens{0};
};

class RunManifestTest : public ::testing::Test {
 protected:
  void Write(const std::string& path, const std::string& data) {
    ASSERT_TRUE(CreateDirs(&env_, DirName(path)).ok());
    ASSERT_TRUE(WriteFileAtomically(&env_, path, data).ok());
  }
  static std::string DirName(const std::string& p) { return p.substr(0, p.rfind('/')); }

  MemEnv env_;
  const std::string run_ = "/data/lab/EQ/P1/Runs/Run_1";
};

TEST_F(RunManifestTest, WritesSortedSha256LinesWithoutTheCacheDir) {
  Write(run_ + "/a.txt", "a");
  Write(run_ + "/a/b", "b");
  Write(run_ + "/empty", "");
  Write(run_ + "/.ferry/creation.json", "{}");
  Write(run_ + "/.ferry/checksums.sha256", "stale");
  CountingEnv counting(&env_);
  Result<std::vector<ManifestEntry>> entries = WriteRunManifest(&counting, run_, ".ferry", 4);
  ASSERT_TRUE(entries.ok()) << entries.status().message();
  EXPECT_EQ(counting.opens, 3);  // each file hashed once; nothing in .ferry read
  Result<std::string> text = ReadFileToString(&env_, run_ + "/.ferry/checksums.sha256", 1 << 20);
  ASSERT_TRUE(text.ok());
  // "a.txt" sorts before "a/b" bytewise ('.' < '/'), though the walk meets a/ first.
  EXPECT_EQ(*text, std::string(kShaA) + "  a.txt\n" + kShaB + "  a/b\n" + kShaEmpty + "  empty\n");
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[0].size, 1u);
}

TEST_F(RunManifestTest, OtherCacheDirNamesAreOrdinaryFilesAndNestedOnesAreKept) {
  Write(run_ + "/.exlab-wizard/creation.json", "{}");
  Write(run_ + "/sub/.ferry/x", "a");  // only the top-level cache dir is excluded
  Result<std::vector<ManifestEntry>> entries = WriteRunManifest(&env_, run_, ".exlab-wizard", 1);
  ASSERT_TRUE(entries.ok()) << entries.status().message();
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].path, "sub/.ferry/x");
  EXPECT_TRUE(*PathExists(&env_, run_ + "/.exlab-wizard/checksums.sha256"));
}

TEST_F(RunManifestTest, EscapesNamesAsSha256sumDoes) {
  Write(run_ + "/back\\slash", "a");
  ASSERT_TRUE(WriteRunManifest(&env_, run_, ".ferry", 2).ok());
  EXPECT_EQ(*ReadFileToString(&env_, RunManifestPath(run_, ".ferry"), 1 << 20),
            "\\" + std::string(kShaA) + "  back\\\\slash\n");
}

TEST_F(RunManifestTest, EmptyRunGetsAnEmptyManifest) {
  ASSERT_TRUE(CreateDirs(&env_, run_).ok());
  ASSERT_TRUE(WriteRunManifest(&env_, run_, ".ferry", 2).ok());
  EXPECT_EQ(*ReadFileToString(&env_, RunManifestPath(run_, ".ferry"), 1 << 20), "");
}

TEST_F(RunManifestTest, VanishedRunIsNotFound) {
  Result<std::vector<ManifestEntry>> r = WriteRunManifest(&env_, run_, ".ferry", 2);
  EXPECT_TRUE(r.status().IsNotFound()) << r.status().message();
}

TEST_F(RunManifestTest, SymlinkInARunIsRefusedByName) {
  Write(run_ + "/a", "a");
  ASSERT_TRUE(env_.Symlink("a", run_ + "/link").ok());
  Result<std::vector<ManifestEntry>> r = WriteRunManifest(&env_, run_, ".ferry", 2);
  EXPECT_EQ(r.status().code(), StatusCode::kNotSupported);
  EXPECT_EQ(r.status().message(),
            "run " + run_ +
                " holds link, which is not a regular file or directory (a symlink or special "
                "file); ferry push copies regular files only: replace it with the file it "
                "stands for, or move it out of the run");
  EXPECT_FALSE(*PathExists(&env_, RunManifestPath(run_, ".ferry")));
}

}  // namespace
}  // namespace ferry::push
