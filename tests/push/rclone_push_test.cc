// The rclone transport and its verify pass with REAL rclone, on two backends:
// - local: a temp dir is the NAS (the remote `nas` defined by RCLONE_CONFIG_NAS_TYPE=local);
// - sftp: an sshd started by the test on loopback (generated keys, known_hosts checked), the
//   remote defined by RCLONE_CONFIG_NAS_* environment variables (no rclone.conf).
// A run lands in its NAS dir and verifies (by hashsum on local; sftp cannot give SHA-256, so
// by the download check), a byte flipped on the NAS copy is caught, a file removed from the NAS
// copy shows in the listing and refuses cleanup, and an unknown key is an auth failure.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "ferry/command_runner.h"
#include "ferry/env.h"
#include "push/cleanup_interlocks.h"
#include "push/rclone_transport.h"
#include "push/rclone_verify.h"
#include "push/run_manifest.h"
#include "support/file_contents.h"
#include "support/ssh_server.h"
#include "support/temp_dir.h"

namespace ferry::push {
namespace {

namespace fs = std::filesystem;

using testing::ReadFile;
using testing::WriteFile;

void FlipAByte(const std::string& path, std::streamoff at) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(at);
  f.put('y');
}

class RclonePushTestBase : public ::testing::Test {
 protected:
  void SetUpRun() {
    run_ = tmp_.Join("lab/EQ/P1/Runs/Run_1");
    nas_dir_ = tmp_.Join("nas/EQ/P1/Runs/Run_1");  // its parents do not exist yet
    WriteFile(run_ + "/meta.json", "{\"run\":1}\n");
    WriteFile(run_ + "/raw/frame 0001.bin", std::string(200'000, 'x'));
    WriteFile(run_ + "/raw/back\\slash.bin", "odd name");
    WriteFile(run_ + "/logs/empty.log", "");
    Result<std::vector<ManifestEntry>> m = WriteRunManifest(Env::Default(), run_, ".ferry", 2);
    ASSERT_TRUE(m.ok()) << m.status().message();
    ASSERT_EQ(m->size(), 4u);
    // RCLONE_CONFIG=/dev/null: no user config is read or written; the remote lives in env_.
    env_.insert(env_.begin(), {"RCLONE_CONFIG", "/dev/null"});
  }

  RclonePushRequest PushRequest() const {
    RclonePushRequest r;
    r.run_dir = run_;
    r.nas_path = "nas:" + nas_dir_;
    r.env = env_;
    r.timeout_ms = 120'000;
    return r;
  }
  RcloneRemoteRequest RemoteRequest() const {
    RcloneRemoteRequest r;
    r.run_dir = run_;
    r.nas_path = "nas:" + nas_dir_;
    r.env = env_;
    r.timeout_ms = 120'000;
    return r;
  }
  RclonePush Push() {
    RclonePush p = PushRunWithRclone(runner_.get(), transport_, PushRequest());
    EXPECT_TRUE(p.attempt.done()) << p.attempt.failure.message << "\n"
                                  << p.attempt.result.stderr_text;
    return p;
  }
  RemoteVerification Verify() {
    Result<RemoteVerification> v =
        VerifyRunWithRclone(runner_.get(), Env::Default(), RemoteRequest());
    EXPECT_TRUE(v.ok()) << v.status().message();
    return v.ok() ? *v : RemoteVerification{};
  }
  CleanupVerdict CleanupVerdictNow() {
    RemoteListing listing = ListRcloneRun(runner_.get(), RemoteRequest());
    EXPECT_TRUE(listing.attempt.done()) << listing.attempt.failure.message;
    CleanupConfig config;
    config.enabled = true;
    CleanupFacts facts;
    facts.job.nas_path = "nas:" + nas_dir_;
    facts.job.verify_passes = 2;
    facts.job.verified_at = 1;
    facts.now = 1 + 48 * 3600;
    facts.local_files = *ListRunFiles(Env::Default(), run_, ".ferry");
    facts.remote_listing = listing.files;
    return EvaluateCleanupInterlocks(config, facts);
  }
  void ExpectLandedInItsNasDir() {
    // The contents are IN the NAS dir (not .../Run_1/Run_1); the manifest travelled along.
    EXPECT_EQ(ReadFile(nas_dir_ + "/meta.json"), "{\"run\":1}\n");
    EXPECT_EQ(ReadFile(nas_dir_ + "/raw/frame 0001.bin"), std::string(200'000, 'x'));
    EXPECT_EQ(ReadFile(nas_dir_ + "/raw/back\\slash.bin"), "odd name");
    EXPECT_TRUE(fs::exists(nas_dir_ + "/logs/empty.log"));
    EXPECT_EQ(ReadFile(nas_dir_ + "/.ferry/checksums.sha256"),
              ReadFile(run_ + "/.ferry/checksums.sha256"));
    EXPECT_FALSE(fs::exists(nas_dir_ + "/Run_1"));
  }

  std::unique_ptr<CommandRunner> runner_ = NewPosixCommandRunner();
  testing::TempDir tmp_;
  TransportConfig transport_;
  RcloneEnv env_;
  std::string run_;
  std::string nas_dir_;
};

class RcloneLocalPushTest : public RclonePushTestBase {
 protected:
  void SetUp() override {
    env_ = {{"RCLONE_CONFIG_NAS_TYPE", "local"}};
    SetUpRun();
  }
};

TEST_F(RcloneLocalPushTest, PushLandsTheRunInItsNasDirSyncedAndVerifies) {
  RclonePush p = Push();
  EXPECT_EQ(p.durability, RcloneDurability::kSynced);
  ExpectLandedInItsNasDir();
  RemoteVerification v = Verify();
  EXPECT_TRUE(v.attempt.done()) << v.attempt.failure.message << "\n"
                                << v.attempt.result.stderr_text;
  EXPECT_EQ(v.report.Summary(), "4 files match");
}

TEST_F(RcloneLocalPushTest, AByteFlippedOnTheNasCopyIsCaught) {
  Push();
  FlipAByte(nas_dir_ + "/raw/frame 0001.bin", 123'456);
  RemoteVerification v = Verify();
  EXPECT_EQ(v.attempt.failure.kind, FailureKind::kHashMismatch);
  EXPECT_EQ(v.attempt.failure.message,
            "NAS copy nas:" + nas_dir_ + ": 3 files match; 1 different: raw/frame 0001.bin");
}

TEST_F(RcloneLocalPushTest, CleanupIsRefusedWhenTheNasCopyMissesAFile) {
  Push();
  fs::remove(nas_dir_ + "/meta.json");
  CleanupVerdict verdict = CleanupVerdictNow();
  EXPECT_FALSE(verdict.allowed);
  EXPECT_EQ(verdict.refusals, std::vector<std::string>{"1 file(s) missing from the NAS copy nas:" +
                                                       nas_dir_ + ": meta.json"});
}

class RcloneSftpPushTest : public RclonePushTestBase {
 protected:
  void SetUp() override {
    fs::create_directories(tmp_.Join("sshd"));
    server_.Start(runner_.get());
    ASSERT_FALSE(HasFatalFailure());
    WriteFile(tmp_.Join("known_hosts"), server_.KnownHostsLine());
    const std::string target = testing::SshServer::Target();
    env_ = {{"RCLONE_CONFIG_NAS_TYPE", "sftp"},
            {"RCLONE_CONFIG_NAS_HOST", "127.0.0.1"},
            {"RCLONE_CONFIG_NAS_PORT", std::to_string(server_.port())},
            {"RCLONE_CONFIG_NAS_USER", target.substr(0, target.find('@'))},
            {"RCLONE_CONFIG_NAS_KEY_FILE", server_.client_key()},
            {"RCLONE_CONFIG_NAS_KNOWN_HOSTS_FILE", tmp_.Join("known_hosts")},
            // Skip rclone's probing of the shell and of md5sum/sha1sum: three ssh sessions less
            // per command.
            {"RCLONE_CONFIG_NAS_SHELL_TYPE", "unix"},
            {"RCLONE_CONFIG_NAS_MD5SUM_COMMAND", "none"},
            {"RCLONE_CONFIG_NAS_SHA1SUM_COMMAND", "none"}};
    SetUpRun();
  }

  testing::SshServer server_{tmp_.Join("sshd")};
};

// sftp gives no SHA-256 (rclone v1.60.1), so the pass reads the copy back: one hashsum that
// fails "hash unsupported", then `rclone check --download`.
TEST_F(RcloneSftpPushTest, PushLandsVerifiesByDownloadAndCatchesAFlippedByte) {
  RclonePush p = Push();
  EXPECT_EQ(p.durability, RcloneDurability::kBackendWriteback);
  ExpectLandedInItsNasDir();
  RemoteVerification v = Verify();
  EXPECT_TRUE(v.attempt.done()) << v.attempt.failure.message << "\n"
                                << v.attempt.result.stderr_text;
  EXPECT_EQ(v.report.Summary(), "4 files match");

  FlipAByte(nas_dir_ + "/raw/frame 0001.bin", 123'456);
  v = Verify();
  EXPECT_EQ(v.attempt.failure.kind, FailureKind::kHashMismatch);
  EXPECT_EQ(v.attempt.failure.message,
            "NAS copy nas:" + nas_dir_ + ": 3 files match; 1 different: raw/frame 0001.bin");
}

TEST_F(RcloneSftpPushTest, CleanupIsRefusedWhenTheNasCopyMissesAFile) {
  Push();
  fs::remove(nas_dir_ + "/raw/back\\slash.bin");
  CleanupVerdict verdict = CleanupVerdictNow();
  EXPECT_FALSE(verdict.allowed);
  EXPECT_EQ(verdict.refusals, std::vector<std::string>{"1 file(s) missing from the NAS copy nas:" +
                                                       nas_dir_ + ": raw/back\\slash.bin"});
}

TEST_F(RcloneSftpPushTest, AKeyTheNasDoesNotKnowIsAnAuthFailure) {
  CommandSpec keygen;
  keygen.argv = {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", tmp_.Join("stranger")};
  keygen.timeout_ms = 60'000;
  ASSERT_TRUE(runner_->Run(keygen).ok());
  for (auto& [name, value] : env_) {
    if (name == "RCLONE_CONFIG_NAS_KEY_FILE") value = tmp_.Join("stranger");
  }
  RclonePush p = PushRunWithRclone(runner_.get(), transport_, PushRequest());
  EXPECT_EQ(p.attempt.outcome, RemoteAttempt::Outcome::kFailed);
  EXPECT_EQ(p.attempt.failure.kind, FailureKind::kAuth) << p.attempt.failure.message;
  EXPECT_FALSE(fs::exists(nas_dir_));
}

}  // namespace
}  // namespace ferry::push
