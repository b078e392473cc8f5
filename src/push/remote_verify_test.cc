// Remote verification over ssh with FakeCommandRunner and MemEnv: the exact ssh argv and
// remote command, GNU-escaped names, missing / different / extra files, and the listing the
// cleanup interlocks read.
#include "push/remote_verify.h"

#include <gtest/gtest.h>

#include "base/checksum_list.h"
#include "base/fake_command_runner.h"
#include "base/file_util.h"
#include "base/mem_env.h"

namespace ferry::push {
namespace {

const std::string kA(64, 'a');
const std::string kB(64, 'b');
const std::string kC(64, 'c');

class RemoteVerifyTest : public ::testing::Test {
 protected:
  RemoteVerifyTest() {
    transport_.type = TransportType::kRsyncSsh;
    transport_.ssh_target = "labuser@nas01";
    transport_.ssh_key_path = "/keys/id";
    transport_.ssh_port = 22;
    request_.run_dir = "/data/lab/EQ/P/Runs/Run_1";
    request_.nas_path = "/srv/lab/EQ/P/Runs/Run_1";
    request_.timeout_ms = 60'000;
  }
  void WriteManifest(const std::string& text) {
    ASSERT_TRUE(CreateDirs(&env_, request_.run_dir + "/.ferry").ok());
    ASSERT_TRUE(
        WriteFileAtomically(&env_, request_.run_dir + "/.ferry/checksums.sha256", text).ok());
  }
  void NasPrints(const std::string& out) {
    runner_.OnProgram("ssh", FakeCommandRunner::Exit(0, out));
  }
  RemoteVerification Verify() {
    Result<RemoteVerification> v = VerifyRunOverSsh(&runner_, &env_, transport_, request_);
    EXPECT_TRUE(v.ok()) << v.status().message();
    return v.ok() ? *v : RemoteVerification{};
  }

  MemEnv env_;
  FakeCommandRunner runner_;
  TransportConfig transport_;
  SshRemoteRequest request_;
};

TEST_F(RemoteVerifyTest, TheSshCommandSyncsThenHashesEveryFileButTheCacheDir) {
  // Names openssl would print ambiguously go to sha256sum: a backslash, newline or CR in the
  // path, or a leading '-'.
  const std::string kOdd = "-path '*\\\\*' -o -path '*\n*' -o -path '*\r*' -o -path './-*'";
  WriteManifest(FormatChecksumLine(kA, "a.tif"));
  NasPrints(FormatChecksumLine(kA, "a.tif"));
  ASSERT_TRUE(Verify().attempt.done());
  ASSERT_EQ(runner_.commands_ran().size(), 1u);
  EXPECT_EQ(runner_.commands_ran()[0].timeout_ms, 60'000);
  EXPECT_EQ(
      runner_.commands_ran()[0].argv,
      (std::vector<std::string>{
          "ssh", "-i", "/keys/id", "-o", "BatchMode=yes", "-p", "22", "labuser@nas01",
          "if [ -d '/srv/lab/EQ/P/Runs/Run_1' ]; then cd '/srv/lab/EQ/P/Runs/Run_1' || exit 1; "
          "sync -f . & s=$!; n=$(nproc 2>/dev/null || echo 1); b=$((1 / (2 * n) + 1)); "
          "if [ \"$n\" -gt 1 ] && command -v stdbuf >/dev/null 2>&1; then "
          "each=\"xargs -0r -P $n -n $b stdbuf -oL\"; else each=\"xargs -0r\"; fi; { "
          "if openssl dgst -sha256 -r /dev/null >/dev/null 2>&1; then "
          "find . -path './.ferry' -prune -o -path './.rsync-partial' -prune -o -type f "
          "! \\( " +
              kOdd +
              " \\) -printf '%P\\0' | $each openssl dgst -sha256 -r; "
              "find . -path './.ferry' -prune -o -path './.rsync-partial' -prune -o -type f "
              "\\( " +
              kOdd +
              " \\) -printf '%P\\0' | $each sha256sum --; else "
              "find . -path './.ferry' -prune -o -path './.rsync-partial' -prune -o -type f "
              "-printf '%P\\0' | $each sha256sum --; fi; } | cat; "
              "wait \"$s\" || { echo \"sync -f failed on the NAS in "
              "\"'/srv/lab/EQ/P/Runs/Run_1'\": "
              "the copy is not known to be on disk\" >&2; exit 1; }; fi"}));
}

TEST_F(RemoteVerifyTest, AllFilesMatchingPasses) {
  WriteManifest(FormatChecksumLine(kA, "a.tif") + FormatChecksumLine(kB, "sub/b.csv"));
  NasPrints(FormatChecksumLine(kB, "sub/b.csv") + FormatChecksumLine(kA, "a.tif"));
  RemoteVerification v = Verify();
  EXPECT_TRUE(v.attempt.done());
  EXPECT_EQ(v.report.matched, 2u);
  EXPECT_EQ(v.report.Summary(), "2 files match");
}

TEST_F(RemoteVerifyTest, EscapedNamesAreParsedOnBothSides) {
  const std::string odd = "line\nbreak and back\\slash.tif";
  WriteManifest(FormatChecksumLine(kA, odd));
  // What GNU sha256sum prints for that name.
  NasPrints("\\" + kA + "  line\\nbreak and back\\\\slash.tif\n");
  RemoteVerification v = Verify();
  EXPECT_TRUE(v.attempt.done()) << v.attempt.failure.message;
  EXPECT_EQ(v.report.matched, 1u);
}

TEST_F(RemoteVerifyTest, AFlippedByteFailsThePassAsAHashMismatch) {
  WriteManifest(FormatChecksumLine(kA, "a.tif") + FormatChecksumLine(kB, "b.tif"));
  NasPrints(FormatChecksumLine(kA, "a.tif") + FormatChecksumLine(kC, "b.tif"));
  RemoteVerification v = Verify();
  EXPECT_EQ(v.attempt.outcome, RemoteAttempt::Outcome::kFailed);
  EXPECT_EQ(v.attempt.failure.kind, FailureKind::kHashMismatch);
  EXPECT_EQ(v.attempt.failure.message,
            "NAS copy /srv/lab/EQ/P/Runs/Run_1: 1 files match; 1 different: b.tif");
}

TEST_F(RemoteVerifyTest, AMissingFileFailsAndExtraFilesAreReported) {
  WriteManifest(FormatChecksumLine(kA, "a.tif") + FormatChecksumLine(kB, "b.tif"));
  NasPrints(FormatChecksumLine(kA, "a.tif") + FormatChecksumLine(kC, "old.txt"));
  RemoteVerification v = Verify();
  EXPECT_EQ(v.attempt.failure.kind, FailureKind::kHashMismatch);
  EXPECT_EQ(v.report.missing, std::vector<std::string>{"b.tif"});
  EXPECT_EQ(v.report.extra, std::vector<std::string>{"old.txt"});
  EXPECT_EQ(v.attempt.failure.message,
            "NAS copy /srv/lab/EQ/P/Runs/Run_1: 1 files match; 1 missing on the NAS: b.tif; 1 "
            "extra on the NAS: old.txt");
}

TEST_F(RemoteVerifyTest, ExtraFilesAloneDoNotFailThePass) {
  WriteManifest(FormatChecksumLine(kA, "a.tif"));
  NasPrints(FormatChecksumLine(kA, "a.tif") + FormatChecksumLine(kC, "notes.txt"));
  RemoteVerification v = Verify();
  EXPECT_TRUE(v.attempt.done());
  EXPECT_EQ(v.report.Summary(), "1 files match; 1 extra on the NAS: notes.txt");
}

TEST_F(RemoteVerifyTest, ANasDirThatIsGoneFailsWithEveryFileMissing) {
  WriteManifest(FormatChecksumLine(kA, "a.tif") + FormatChecksumLine(kB, "b.tif"));
  NasPrints("");
  RemoteVerification v = Verify();
  EXPECT_EQ(v.attempt.failure.kind, FailureKind::kHashMismatch);
  EXPECT_EQ(v.report.missing, (std::vector<std::string>{"a.tif", "b.tif"}));
}

TEST_F(RemoteVerifyTest, AnSshFailureIsClassifiedAsSsh) {
  WriteManifest(FormatChecksumLine(kA, "a.tif"));
  runner_.OnProgram(
      "ssh", FakeCommandRunner::Exit(255, "", "labuser@nas01: Permission denied (publickey).\r\n"));
  RemoteVerification v = Verify();
  EXPECT_EQ(v.attempt.failure.kind, FailureKind::kAuth);
}

TEST_F(RemoteVerifyTest, GarbledRemoteOutputFailsThePass) {
  WriteManifest(FormatChecksumLine(kA, "a.tif"));
  NasPrints("sha256sum: a.tif: Is a directory\n");
  RemoteVerification v = Verify();
  EXPECT_EQ(v.attempt.outcome, RemoteAttempt::Outcome::kFailed);
  EXPECT_EQ(v.attempt.failure.message,
            "ssh sha256sum: sha256sum output on the NAS line 1: not a sha256sum line "
            "(\"<hex>  <path>\")");
}

TEST_F(RemoteVerifyTest, WithoutALocalManifestNothingIsAsked) {
  Result<RemoteVerification> v = VerifyRunOverSsh(&runner_, &env_, transport_, request_);
  EXPECT_EQ(v.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(runner_.run_count(), 0u);
}

TEST_F(RemoteVerifyTest, AMalformedLocalManifestNamesItsLine) {
  WriteManifest(FormatChecksumLine(kA, "a.tif") + "garbage\n");
  Result<RemoteVerification> v = VerifyRunOverSsh(&runner_, &env_, transport_, request_);
  EXPECT_EQ(v.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(v.status().message(), request_.run_dir +
                                      "/.ferry/checksums.sha256 line 2: not a sha256sum line "
                                      "(\"<hex>  <path>\")");
}

TEST_F(RemoteVerifyTest, ListingGivesSizesAndAnyName) {
  runner_.OnProgram("ssh", FakeCommandRunner::Exit(
                               0, std::string("6 a.tif\0", 8) + std::string("0 new\nline\0", 11)));
  RemoteListing l = ListRemoteRun(&runner_, transport_, request_);
  ASSERT_TRUE(l.attempt.done()) << l.attempt.failure.message;
  ASSERT_EQ(l.files.size(), 2u);
  EXPECT_EQ(l.files[0].path, "a.tif");
  EXPECT_EQ(l.files[0].size, 6u);
  EXPECT_EQ(l.files[1].path, "new\nline");
  EXPECT_EQ(l.files[1].size, 0u);
  EXPECT_EQ(runner_.commands_ran()[0].argv.back(),
            "if [ -d '/srv/lab/EQ/P/Runs/Run_1' ]; then cd '/srv/lab/EQ/P/Runs/Run_1' && find . "
            "-type f -printf '%s %P\\0'; fi");
}

TEST_F(RemoteVerifyTest, ACutShortListingIsAnError) {
  EXPECT_EQ(ParseRemoteListing(std::string("6 a.tif\0"
                                           "12 b",
                                           12))
                .status()
                .message(),
            "listing of the NAS copy, record 2: not NUL-terminated (output cut short?)");
  EXPECT_EQ(ParseRemoteListing(std::string("x a\0", 4)).status().message(),
            "listing of the NAS copy, record 1: not '<size> <path>'");
}

}  // namespace
}  // namespace ferry::push
