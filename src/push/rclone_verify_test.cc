// The rclone verify pass and listing with FakeCommandRunner and a MemEnv run: exact argv,
// parsing of rclone's real output (captured on this machine, rclone v1.60.1: hashsum of a local
// copy, the sftp backend's "hash unsupported" errors, `check --combined` with every mark,
// lsjson, a missing NAS dir), the fallback to `check --download`, and classification.
#include "push/rclone_verify.h"

#include <gtest/gtest.h>

#include "base/fake_command_runner.h"
#include "base/file_util.h"
#include "base/mem_env.h"
#include "push/run_manifest.h"

namespace ferry::push {
namespace {

using Argv = std::vector<std::string>;

const std::string kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const std::string kA = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
const std::string kSlash = "990cb8ebd0afb7150da453a213036a92f2c05e091df0d803e62d257ea7796c27";
const std::string kFrame = "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881";

// `rclone hashsum sha256 --exclude '/.ferry/**'` of a local copy of the sample run.
const std::string kHashsum = kEmpty + "  raw/empty\n" + kA + "  a.txt\n" + kSlash +
                             "  raw/back\\slash\n" + kFrame + "  raw/frame 1.bin\n";

// The sftp backend (v1.60.1) asked for sha256: nothing on stdout, exit 1.
constexpr char kSftpUnsupported[] =
    "2026/12/02 18:10:15 ERROR : a.txt: hash unsupported: hash type not supported\n"
    "2026/12/02 18:10:15 ERROR : raw/back\\slash: hash unsupported: hash type not supported\n"
    "2026/12/02 18:10:15 Failed to hashsum with 8 errors: last error was: hash unsupported: "
    "hash type not supported\n";

constexpr char kDirNotFound[] =
    "2026/12/02 18:09:57 ERROR : : error listing: directory not found\n"
    "2026/12/02 18:09:57 Failed to hashsum with 2 errors: last error was: directory not found\n";

bool Sub(const CommandSpec& s, const char* sub) {
  return s.argv.size() > 1 && s.argv[0] == "rclone" && s.argv[1] == sub;
}
FakeCommandRunner::Matcher Is(const char* sub) {
  return [sub](const CommandSpec& s) { return Sub(s, sub); };
}
FakeCommandRunner::Responder Answer(CommandResult r) {
  return [r](const CommandSpec&, const std::atomic<bool>*) -> Result<CommandResult> { return r; };
}

class RcloneVerifyTest : public ::testing::Test {
 protected:
  RcloneVerifyTest() {
    request_.run_dir = "/data/lab/EQ/P1/Runs/Run_1";
    request_.nas_path = "labnas:lab/EQ/P1/Runs/Run_1";
    request_.timeout_ms = 600'000;
    request_.env = {{"RCLONE_CONFIG", "/etc/ferry/rclone.conf"}};
    // The run's manifest: the same four files.
    EXPECT_TRUE(CreateDirs(&env_, request_.run_dir + "/.ferry").ok());
    const std::string manifest = kA + "  a.txt\n\\" + kSlash + "  raw/back\\\\slash\n" + kEmpty +
                                 "  raw/empty\n" + kFrame + "  raw/frame 1.bin\n";
    EXPECT_TRUE(
        WriteFileAtomically(&env_, RunManifestPath(request_.run_dir, ".ferry"), manifest).ok());
  }
  RemoteVerification Verify() {
    Result<RemoteVerification> v = VerifyRunWithRclone(&runner_, &env_, request_);
    EXPECT_TRUE(v.ok()) << v.status().message();
    return v.ok() ? *v : RemoteVerification{};
  }

  MemEnv env_;
  RcloneRemoteRequest request_;
  FakeCommandRunner runner_;
};

TEST_F(RcloneVerifyTest, Argvs) {
  EXPECT_EQ(RcloneHashsumArgv(request_), (Argv{"rclone", "hashsum", "sha256", "--exclude",
                                               "/.ferry/**", "labnas:lab/EQ/P1/Runs/Run_1"}));
  EXPECT_EQ(RcloneCheckArgv(request_),
            (Argv{"rclone", "check", "--download", "--combined", "-", "--exclude", "/.ferry/**",
                  "/data/lab/EQ/P1/Runs/Run_1", "labnas:lab/EQ/P1/Runs/Run_1"}));
  EXPECT_EQ(RcloneListingArgv(request_),
            (Argv{"rclone", "lsjson", "-R", "--files-only", "--no-mimetype", "--no-modtime",
                  "labnas:lab/EQ/P1/Runs/Run_1"}));
}

TEST_F(RcloneVerifyTest, ParsesHashsumWithOddNamesVerbatim) {
  Result<RcloneHashes> h = ParseRcloneHashsum(kHashsum);
  ASSERT_TRUE(h.ok()) << h.status().message();
  EXPECT_FALSE(h->blank);
  ASSERT_EQ(h->entries.size(), 4u);
  EXPECT_EQ(h->entries[2].path, "raw/back\\slash");  // rclone does not escape
  EXPECT_EQ(h->entries[3].path, "raw/frame 1.bin");
  EXPECT_EQ(h->entries[3].sha256, kFrame);
}

TEST_F(RcloneVerifyTest, ABlankHashIsNoticed) {
  Result<RcloneHashes> h =
      ParseRcloneHashsum(std::string(64, ' ') + "  a.txt\n" + kEmpty + "  raw/empty\n");
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->blank);
  EXPECT_EQ(h->entries.size(), 1u);
}

TEST_F(RcloneVerifyTest, AMalformedHashsumLineIsNamed) {
  EXPECT_EQ(ParseRcloneHashsum(kA + "  a.txt\nfoo  b\n").status().message(),
            "rclone hashsum output line 2: not \"<sha256>  <path>\"");
  EXPECT_EQ(ParseRcloneHashsum(std::string(64, 'x') + "  a\n").status().message(),
            "rclone hashsum output line 1: not a SHA-256 digest");
}

TEST_F(RcloneVerifyTest, HashsumThatMatchesPasses) {
  runner_.On(Is("hashsum"), Answer(FakeCommandRunner::Exit(0, kHashsum)));
  RemoteVerification v = Verify();
  EXPECT_TRUE(v.attempt.done()) << v.attempt.failure.message;
  EXPECT_EQ(v.report.Summary(), "4 files match");
  ASSERT_EQ(runner_.commands_ran().size(), 1u);
  EXPECT_EQ(runner_.commands_ran()[0].env_overrides, request_.env);
  EXPECT_EQ(runner_.commands_ran()[0].timeout_ms, 600'000);
}

TEST_F(RcloneVerifyTest, ADifferentAndAMissingFileFailThePassAnExtraIsReported) {
  std::string out = kEmpty + "  raw/empty\n" + kEmpty + "  a.txt\n" + kSlash +
                    "  raw/back\\slash\n" + kEmpty + "  extra.txt\n";
  runner_.On(Is("hashsum"), Answer(FakeCommandRunner::Exit(0, out)));
  RemoteVerification v = Verify();
  EXPECT_EQ(v.attempt.failure.kind, FailureKind::kHashMismatch);
  EXPECT_EQ(v.attempt.failure.message,
            "NAS copy labnas:lab/EQ/P1/Runs/Run_1: 2 files match; 1 missing on the NAS: raw/frame "
            "1.bin; 1 different: a.txt; 1 extra on the NAS: extra.txt");
}

TEST_F(RcloneVerifyTest, AMissingNasDirMeansEveryFileIsMissing) {
  runner_.On(Is("hashsum"), Answer(FakeCommandRunner::Exit(3, "", kDirNotFound)));
  RemoteVerification v = Verify();
  EXPECT_EQ(v.attempt.failure.kind, FailureKind::kHashMismatch);
  EXPECT_EQ(v.report.missing.size(), 4u);
}

TEST_F(RcloneVerifyTest, UnsupportedHashFallsBackToTheDownloadCheck) {
  runner_.On(Is("hashsum"), Answer(FakeCommandRunner::Exit(1, "", kSftpUnsupported)));
  runner_.On(Is("check"), Answer(FakeCommandRunner::Exit(
                              0, "= a.txt\n= raw/frame 1.bin\n= raw/back\\slash\n= raw/empty\n")));
  RemoteVerification v = Verify();
  EXPECT_TRUE(v.attempt.done()) << v.attempt.failure.message;
  EXPECT_EQ(v.report.Summary(), "4 files match");
  ASSERT_EQ(runner_.commands_ran().size(), 2u);
  EXPECT_EQ(runner_.commands_ran()[1].argv, RcloneCheckArgv(request_));
}

TEST_F(RcloneVerifyTest, ABlankHashFallsBackToo) {
  runner_.On(Is("hashsum"), Answer(FakeCommandRunner::Exit(0, std::string(64, ' ') + "  a.txt\n")));
  runner_.On(Is("check"), Answer(FakeCommandRunner::Exit(
                              0, "= a.txt\n= raw/frame 1.bin\n= raw/back\\slash\n= raw/empty\n")));
  EXPECT_TRUE(Verify().attempt.done());
  EXPECT_EQ(runner_.run_count(), 2u);
}

// `rclone check --download --combined -` of a copy with a.txt removed, extra.txt added and a
// byte of "raw/frame 1.bin" changed: exit 1, every file reported.
TEST_F(RcloneVerifyTest, TheDownloadCheckReportIsMergedWithTheManifest) {
  runner_.On(Is("hashsum"), Answer(FakeCommandRunner::Exit(1, "", kSftpUnsupported)));
  runner_.On(Is("check"),
             Answer(FakeCommandRunner::Exit(
                 1, "+ a.txt\n- extra.txt\n= raw/empty\n= raw/back\\slash\n* raw/frame 1.bin\n",
                 "2026/12/02 18:09:56 Failed to check with 3 errors: last error was: 3 "
                 "differences found\n")));
  RemoteVerification v = Verify();
  EXPECT_EQ(v.attempt.failure.kind, FailureKind::kHashMismatch);
  EXPECT_EQ(v.report.Summary(),
            "2 files match; 1 missing on the NAS: a.txt; 1 different: raw/frame 1.bin; 1 extra "
            "on the NAS: extra.txt");
}

TEST_F(RcloneVerifyTest, ACheckCutShortIsClassifiedNotAMismatch) {
  runner_.On(Is("hashsum"), Answer(FakeCommandRunner::Exit(1, "", kSftpUnsupported)));
  runner_.On(Is("check"),
             Answer(FakeCommandRunner::Exit(
                 1, "= a.txt\n",
                 "2026/12/02 18:05:05 ERROR : raw/empty: dial tcp 127.0.0.1:42222: connect: "
                 "connection refused\n")));
  RemoteVerification v = Verify();
  EXPECT_EQ(v.attempt.failure.kind, FailureKind::kNetwork);
}

TEST_F(RcloneVerifyTest, AWrongKeyIsAuth) {
  runner_.On(Is("hashsum"),
             Answer(FakeCommandRunner::Exit(
                 1, "",
                 "2026/12/02 18:10:27 Failed to create file system for "
                 "\"nas:/tmp/rcs/sftpnas/EQ/Run_1\": NewFs: couldn't connect SSH: ssh: handshake "
                 "failed: ssh: unable to authenticate, attempted methods [none publickey], no "
                 "supported methods remain\n")));
  EXPECT_EQ(Verify().attempt.failure.kind, FailureKind::kAuth);
}

TEST_F(RcloneVerifyTest, NoManifestIsALocalError) {
  request_.run_dir = "/data/lab/EQ/P1/Runs/Run_2";
  EXPECT_FALSE(VerifyRunWithRclone(&runner_, &env_, request_).ok());
  EXPECT_EQ(runner_.run_count(), 0u);
}

TEST_F(RcloneVerifyTest, ACombinedLineThatIsNotOneIsNamed) {
  EXPECT_EQ(ParseRcloneCombined("= a\n? b\n").status().message(),
            "rclone check report line 2: not \"<=|*|+|-|!> <path>\"");
}

TEST_F(RcloneVerifyTest, ListingParsesLsjson) {
  runner_.On(Is("lsjson"),
             Answer(FakeCommandRunner::Exit(
                 0,
                 "[\n{\"Path\":\"extra.txt\",\"Name\":\"extra.txt\",\"Size\":6,\"ModTime\":\"\","
                 "\"IsDir\":false},\n{\"Path\":\"raw/back\\\\slash\",\"Name\":\"back\\\\slash\","
                 "\"Size\":3,\"ModTime\":\"\",\"IsDir\":false}\n]\n")));
  RemoteListing l = ListRcloneRun(&runner_, request_);
  ASSERT_TRUE(l.attempt.done()) << l.attempt.failure.message;
  ASSERT_EQ(l.files.size(), 2u);
  EXPECT_EQ(l.files[1].path, "raw/back\\slash");
  EXPECT_EQ(l.files[1].size, 3u);
}

TEST_F(RcloneVerifyTest, ListingOfAMissingDirIsEmpty) {
  runner_.On(Is("lsjson"),
             Answer(FakeCommandRunner::Exit(
                 3, "[\n",
                 "2026/12/02 18:09:58 ERROR : : error listing: directory not found\n"
                 "2026/12/02 18:09:58 Failed to lsjson with 2 errors: last error was: error in "
                 "ListJSON: directory not found\n")));
  RemoteListing l = ListRcloneRun(&runner_, request_);
  EXPECT_TRUE(l.attempt.done());
  EXPECT_TRUE(l.files.empty());
}

TEST_F(RcloneVerifyTest, ListingThatIsNotJsonFails) {
  runner_.On(Is("lsjson"), Answer(FakeCommandRunner::Exit(0, "6;a.txt\n")));
  RemoteListing l = ListRcloneRun(&runner_, request_);
  EXPECT_EQ(l.attempt.failure.message,
            "rclone lsjson output: not a JSON array of objects with \"Path\" and \"Size\"");
}

}  // namespace
}  // namespace ferry::push
