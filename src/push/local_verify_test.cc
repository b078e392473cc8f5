// Verifying a `local` transport copy on MemEnv: a pushed run passes; a flipped byte, a missing
// file and a copy that is gone fail the pass; extra files are reported; the listing for the
// interlocks.
#include "push/local_verify.h"

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/mem_env.h"
#include "push/local_transport.h"
#include "push/run_manifest.h"

namespace ferry::push {
namespace {

class LocalVerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Write(run_ + "/a.tif", "pixels");
    Write(run_ + "/sub/b.csv", "1,2,3");
    ASSERT_TRUE(WriteRunManifest(&env_, run_, ".ferry", 2).ok());
    ASSERT_TRUE(PushRunLocally(&env_, run_, dest_).ok());
  }
  void Write(const std::string& path, const std::string& data) {
    ASSERT_TRUE(CreateDirs(&env_, path.substr(0, path.rfind('/'))).ok());
    ASSERT_TRUE(WriteFileAtomically(&env_, path, data).ok());
  }
  RemoteVerification Verify() {
    Result<RemoteVerification> v = VerifyLocalCopy(&env_, run_, dest_, ".ferry", 2);
    EXPECT_TRUE(v.ok()) << v.status().message();
    return v.ok() ? *v : RemoteVerification{};
  }

  MemEnv env_;
  const std::string run_ = "/data/lab/EQ/P/Runs/Run_1";
  const std::string dest_ = "/mnt/nas/lab/EQ/P/Runs/Run_1";
};

TEST_F(LocalVerifyTest, APushedRunPasses) {
  RemoteVerification v = Verify();
  EXPECT_TRUE(v.attempt.done());
  EXPECT_EQ(v.report.Summary(), "2 files match");
}

TEST_F(LocalVerifyTest, AFlippedByteFailsAsAHashMismatch) {
  Write(dest_ + "/sub/b.csv", "1,2,4");
  RemoteVerification v = Verify();
  EXPECT_EQ(v.attempt.failure.kind, FailureKind::kHashMismatch);
  EXPECT_EQ(v.attempt.failure.message,
            "NAS copy " + dest_ + ": 1 files match; 1 different: sub/b.csv");
}

TEST_F(LocalVerifyTest, AMissingFileFailsAndAnExtraOneIsReported) {
  ASSERT_TRUE(env_.RemoveFile(dest_ + "/a.tif").ok());
  Write(dest_ + "/notes.txt", "x");
  RemoteVerification v = Verify();
  EXPECT_EQ(v.attempt.failure.kind, FailureKind::kHashMismatch);
  EXPECT_EQ(v.report.Summary(),
            "1 files match; 1 missing on the NAS: a.tif; 1 extra on the NAS: notes.txt");
}

TEST_F(LocalVerifyTest, ACopyThatIsGoneFailsWithEveryFileMissing) {
  ASSERT_TRUE(RemoveTree(&env_, dest_).ok());
  RemoteVerification v = Verify();
  EXPECT_EQ(v.attempt.failure.kind, FailureKind::kHashMismatch);
  EXPECT_EQ(v.report.missing, (std::vector<std::string>{"a.tif", "sub/b.csv"}));
}

TEST_F(LocalVerifyTest, ListingHasEveryFileWithItsSize) {
  Result<std::vector<RemoteFile>> l = ListLocalCopy(&env_, dest_);
  ASSERT_TRUE(l.ok());
  ASSERT_EQ(l->size(), 3u);  // .ferry/checksums.sha256, a.tif, sub/b.csv
  EXPECT_EQ((*l)[1].path, "a.tif");
  EXPECT_EQ((*l)[1].size, 6u);
  EXPECT_EQ((*l)[2].path, "sub/b.csv");
  EXPECT_TRUE(ListLocalCopy(&env_, "/mnt/nas/none")->empty());
}

}  // namespace
}  // namespace ferry::push
