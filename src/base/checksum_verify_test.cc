// VerifyChecksumList on MemEnv: one test per outcome (ok, mismatch, missing, unreadable,
// malformed, a path leaving the base directory), plus ordering across threads, the forced
// algorithm, --ignore-missing's counting and the progress events.
#include "base/checksum_verify.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/file_util.h"
#include "base/mem_env.h"
#include "base/recording_progress_sink.h"
#include "support/digests.h"

namespace ferry {
namespace {

using testing::HashHex;
using testing::Sha256Hex;

class ChecksumVerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(CreateDirs(&env_, "/run/sub").ok());
    Write("/run/a.bin", "alpha");
    Write("/run/sub/b.bin", "beta");
    options_.base_dir = "/run";
  }
  void Write(const std::string& path, const std::string& bytes) {
    ASSERT_TRUE(WriteFileAtomically(&env_, path, bytes).ok()) << path;
  }

  MemEnv env_;
  ChecksumVerifyOptions options_;
};

TEST_F(ChecksumVerifyTest, MatchingFilesAreOkWithBothDigests) {
  std::string list =
      Sha256Hex("alpha") + "  a.bin\n" + HashHex(HashAlgorithm::kMd5, "beta") + "  sub/b.bin\n";
  ChecksumListCheck check = VerifyChecksumList(&env_, list, options_);
  ASSERT_EQ(check.files.size(), 2u);
  EXPECT_EQ(check.files[0].path, "a.bin");
  EXPECT_EQ(check.files[0].line_number, 1u);
  EXPECT_EQ(check.files[0].algo, HashAlgorithm::kSha256);
  EXPECT_EQ(check.files[0].outcome, FileCheckOutcome::kOk);
  EXPECT_EQ(check.files[0].actual, Sha256Hex("alpha"));
  EXPECT_EQ(check.files[1].path, "sub/b.bin");
  EXPECT_EQ(check.files[1].algo, HashAlgorithm::kMd5);
  EXPECT_EQ(check.files[1].outcome, FileCheckOutcome::kOk);
  EXPECT_EQ(check.ok, 2u);
  EXPECT_EQ(check.valid_lines, 2u);
  EXPECT_TRUE(check.all_ok());
}

TEST_F(ChecksumVerifyTest, ChangedFileIsAMismatchWithExpectedAndActual) {
  std::string list = Sha256Hex("ALPHA") + "  a.bin\n";
  ChecksumListCheck check = VerifyChecksumList(&env_, list, options_);
  ASSERT_EQ(check.files.size(), 1u);
  EXPECT_EQ(check.files[0].outcome, FileCheckOutcome::kMismatch);
  EXPECT_EQ(check.files[0].expected, Sha256Hex("ALPHA"));
  EXPECT_EQ(check.files[0].actual, Sha256Hex("alpha"));
  EXPECT_TRUE(check.files[0].error.ok());
  EXPECT_EQ(check.mismatched, 1u);
  EXPECT_FALSE(check.all_ok());
}

TEST_F(ChecksumVerifyTest, AbsentFileIsMissingWithTheEnvMessage) {
  std::string list = Sha256Hex("x") + "  gone.bin\n";
  ChecksumListCheck check = VerifyChecksumList(&env_, list, options_);
  ASSERT_EQ(check.files.size(), 1u);
  EXPECT_EQ(check.files[0].outcome, FileCheckOutcome::kMissing);
  EXPECT_TRUE(check.files[0].error.IsNotFound());
  EXPECT_EQ(check.files[0].error.message(), "open /run/gone.bin: No such file or directory");
  EXPECT_EQ(check.files[0].actual, "");
  EXPECT_EQ(check.missing, 1u);
  EXPECT_FALSE(check.all_ok());
}

TEST_F(ChecksumVerifyTest, FileThatCannotBeOpenedIsUnreadable) {
  ASSERT_TRUE(env_.Chmod("/run/a.bin", 0).ok());
  std::string list = Sha256Hex("alpha") + "  a.bin\n";
  ChecksumListCheck check = VerifyChecksumList(&env_, list, options_);
  ASSERT_EQ(check.files.size(), 1u);
  EXPECT_EQ(check.files[0].outcome, FileCheckOutcome::kUnreadable);
  EXPECT_EQ(check.files[0].error.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(check.files[0].error.message(), "open /run/a.bin: Permission denied");
  EXPECT_EQ(check.unreadable, 1u);
  EXPECT_FALSE(check.all_ok());
}

TEST_F(ChecksumVerifyTest, PathLeavingTheBaseDirectoryIsNeverOpened) {
  Write("/secret", "s");
  std::string list = Sha256Hex("s") + "  ../secret\n" + Sha256Hex("s") + "  /secret\n";
  ChecksumListCheck check = VerifyChecksumList(&env_, list, options_);
  ASSERT_EQ(check.files.size(), 2u);
  for (const FileCheck& file : check.files) {
    EXPECT_EQ(file.outcome, FileCheckOutcome::kUnreadable) << file.path;
    EXPECT_EQ(file.error.code(), StatusCode::kInvalidArgument) << file.path;
    EXPECT_EQ(file.actual, "") << file.path;
  }
  EXPECT_EQ(check.files[0].error.message(),
            "verify ../secret: path leaves the list's directory /run");
  EXPECT_EQ(check.unreadable, 2u);
}

TEST_F(ChecksumVerifyTest, WithoutABaseDirectoryPathsAreUsedAsListed) {
  options_.base_dir.clear();
  std::string list = Sha256Hex("beta") + "  /run/sub/b.bin\n";
  ChecksumListCheck check = VerifyChecksumList(&env_, list, options_);
  ASSERT_EQ(check.files.size(), 1u);
  EXPECT_EQ(check.files[0].outcome, FileCheckOutcome::kOk);
}

TEST_F(ChecksumVerifyTest, MalformedLinesAreNumberedAndTheRestStillChecked) {
  std::string list = "not a checksum line\n" + Sha256Hex("alpha") + "  a.bin\nabc  short.bin\n";
  ChecksumListCheck check = VerifyChecksumList(&env_, list, options_);
  EXPECT_EQ(check.malformed_lines, (std::vector<size_t>{1, 3}));
  ASSERT_EQ(check.files.size(), 1u);
  EXPECT_EQ(check.files[0].line_number, 2u);
  EXPECT_EQ(check.files[0].outcome, FileCheckOutcome::kOk);
  EXPECT_FALSE(check.all_ok());
}

TEST_F(ChecksumVerifyTest, ListWithoutValidLinesProvesNothing) {
  ChecksumListCheck check = VerifyChecksumList(&env_, "# only a comment\n", options_);
  EXPECT_EQ(check.valid_lines, 0u);
  EXPECT_TRUE(check.files.empty());
  EXPECT_FALSE(check.all_ok());
}

TEST_F(ChecksumVerifyTest, ForcedAlgorithmTurnsOtherDigestsIntoMalformedLines) {
  options_.algo = HashAlgorithm::kSha256;
  std::string list =
      HashHex(HashAlgorithm::kMd5, "alpha") + "  a.bin\n" + Sha256Hex("beta") + "  sub/b.bin\n";
  ChecksumListCheck check = VerifyChecksumList(&env_, list, options_);
  EXPECT_EQ(check.malformed_lines, (std::vector<size_t>{1}));
  ASSERT_EQ(check.files.size(), 1u);
  EXPECT_EQ(check.files[0].path, "sub/b.bin");
  EXPECT_EQ(check.files[0].outcome, FileCheckOutcome::kOk);
}

TEST_F(ChecksumVerifyTest, IgnoreMissingLeavesMissingFilesOutButCountsThem) {
  options_.ignore_missing = true;
  std::string list = Sha256Hex("x") + "  gone.bin\n" + Sha256Hex("alpha") + "  a.bin\n";
  ChecksumListCheck check = VerifyChecksumList(&env_, list, options_);
  ASSERT_EQ(check.files.size(), 1u);
  EXPECT_EQ(check.files[0].path, "a.bin");
  EXPECT_EQ(check.ignored_missing, 1u);
  EXPECT_EQ(check.missing, 0u);
  EXPECT_TRUE(check.all_ok());
}

TEST_F(ChecksumVerifyTest, OnlyMissingFilesUnderIgnoreMissingVerifyNothing) {
  options_.ignore_missing = true;
  ChecksumListCheck check = VerifyChecksumList(&env_, Sha256Hex("x") + "  gone.bin\n", options_);
  EXPECT_EQ(check.verified(), 0u);
  EXPECT_FALSE(check.all_ok());
}

TEST_F(ChecksumVerifyTest, OutcomesComeInListOrderWhateverTheThreadCount) {
  std::string list;
  std::vector<std::string> expected_paths;
  for (int i = 0; i < 40; ++i) {
    std::string name = "f" + std::to_string(i);
    std::string bytes(static_cast<size_t>(i) * 1000, static_cast<char>('a' + i % 26));
    if (i % 7 != 3) Write("/run/" + name, bytes);  // every 7th is missing
    // Every 5th listed digest is wrong.
    list += Sha256Hex(i % 5 == 0 ? bytes + "x" : bytes) + "  " + name + "\n";
    expected_paths.push_back(name);
  }
  options_.threads = 8;
  std::vector<std::string> streamed;
  options_.on_file = [&](const FileCheck& file) { streamed.push_back(file.path); };
  ChecksumListCheck check = VerifyChecksumList(&env_, list, options_);
  EXPECT_EQ(streamed, expected_paths);
  ASSERT_EQ(check.files.size(), 40u);
  for (size_t i = 0; i < 40; ++i) {
    EXPECT_EQ(check.files[i].path, expected_paths[i]);
    FileCheckOutcome want = i % 7 == 3   ? FileCheckOutcome::kMissing
                            : i % 5 == 0 ? FileCheckOutcome::kMismatch
                                         : FileCheckOutcome::kOk;
    EXPECT_EQ(check.files[i].outcome, want) << i;
  }
  EXPECT_EQ(check.missing, 6u);
  EXPECT_EQ(check.mismatched, 7u);  // 0, 5, 15, 20, 25, 30, 35 (10 is missing)
  EXPECT_EQ(check.ok + check.mismatched + check.missing, 40u);
}

TEST_F(ChecksumVerifyTest, ProgressSeesPlanEachFileAndFinish) {
  RecordingProgressSink sink;
  options_.progress = &sink;
  std::string list = Sha256Hex("alpha") + "  a.bin\n" + Sha256Hex("nope") + "  sub/b.bin\n";
  ChecksumListCheck check = VerifyChecksumList(&env_, list, options_);
  std::vector<ProgressEvent> events = sink.events();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].kind, ProgressEvent::Kind::kPlan);
  EXPECT_EQ(events[0].files_total, 2u);
  EXPECT_EQ(events[1].kind, ProgressEvent::Kind::kItemDone);
  EXPECT_EQ(events[1].item, "a.bin");
  EXPECT_TRUE(events[1].ok);
  EXPECT_EQ(events[2].item, "sub/b.bin");
  EXPECT_FALSE(events[2].ok);
  EXPECT_EQ(events[2].message, "FAILED");
  EXPECT_EQ(events[3].kind, ProgressEvent::Kind::kFinish);
  EXPECT_FALSE(events[3].ok);
  EXPECT_FALSE(check.all_ok());
}

TEST_F(ChecksumVerifyTest, VerifyChecksumFileReadsTheListThroughTheEnv) {
  Write("/run/checksums.sha256",
        Sha256Hex("alpha") + "  a.bin\n" + Sha256Hex("beta") + "  sub/b.bin\n");
  Result<ChecksumListCheck> check = VerifyChecksumFile(&env_, "/run/checksums.sha256", options_);
  ASSERT_TRUE(check.ok()) << check.status().message();
  EXPECT_EQ(check->ok, 2u);
  EXPECT_TRUE(check->all_ok());

  Result<ChecksumListCheck> none = VerifyChecksumFile(&env_, "/run/none.sha256", options_);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().message(), "open /run/none.sha256: No such file or directory");
}

}  // namespace
}  // namespace ferry
