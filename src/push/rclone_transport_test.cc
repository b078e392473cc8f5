// The rclone transport with FakeCommandRunner: the exact argv (--checksum, --retries 1,
// --bwlimit verbatim or the scheduled rate), the durability step per destination (sync -f of
// a local root; nothing to flush for sftp), and how failures are classified. rclone's output
// and stderr are samples captured on this machine (rclone v1.60.1, an sshd on loopback).
#include "push/rclone_transport.h"

#include <gtest/gtest.h>

#include "base/fake_command_runner.h"

namespace ferry::push {
namespace {

using Argv = std::vector<std::string>;

// `rclone backend features /tmp/rcs/nas` (local) and of an sftp remote, cut to what we read.
constexpr char kLocalFeatures[] =
    "{\n\t\"Name\": \"local\",\n\t\"Root\": \"/mnt/nas/lab/EQ/P1/Runs/Run_1\",\n"
    "\t\"String\": \"Local file system at /mnt/nas/lab/EQ/P1/Runs/Run_1\",\n"
    "\t\"Precision\": 1,\n\t\"Hashes\": [\"md5\", \"sha1\", \"sha256\"]\n}\n";
constexpr char kSftpFeatures[] =
    "{\n\t\"Name\": \"labnas\",\n\t\"Root\": \"/tmp/rcs/sftpnas\",\n"
    "\t\"String\": \"sftp://root@127.0.0.1:42222//tmp/rcs/sftpnas\",\n"
    "\t\"Precision\": 1000000000,\n\t\"Hashes\": [\"md5\", \"sha1\"]\n}\n";

bool IsFeatures(const CommandSpec& s) {
  return s.argv.size() > 2 && s.argv[0] == "rclone" && s.argv[1] == "backend";
}
bool IsCopy(const CommandSpec& s) {
  return s.argv.size() > 1 && s.argv[0] == "rclone" && s.argv[1] == "copy";
}
FakeCommandRunner::Responder Answer(CommandResult r) {
  return [r](const CommandSpec&, const std::atomic<bool>*) -> Result<CommandResult> { return r; };
}

class RcloneTransportTest : public ::testing::Test {
 protected:
  RcloneTransportTest() {
    transport_.type = TransportType::kRclone;
    transport_.rclone_remote = "labnas";
    transport_.rclone_remote_path = "lab";
    request_.run_dir = "/data/lab/EQ/P1/Runs/Run_1";
    request_.nas_path = "labnas:lab/EQ/P1/Runs/Run_1";
    request_.timeout_ms = 3'600'000;
    request_.env = {{"RCLONE_CONFIG", "/etc/ferry/rclone.conf"}};
  }
  void DestinationIs(const char* features) {
    runner_.On(IsFeatures, Answer(FakeCommandRunner::Exit(0, features)));
  }

  TransportConfig transport_;
  RclonePushRequest request_;
  FakeCommandRunner runner_;
};

TEST_F(RcloneTransportTest, ArgvCopiesTheRunContentsIntoItsNasDir) {
  EXPECT_EQ(RclonePushArgv(request_),
            (Argv{"rclone", "copy", "--checksum", "--retries", "1", "/data/lab/EQ/P1/Runs/Run_1",
                  "labnas:lab/EQ/P1/Runs/Run_1"}));
  request_.bwlimit = "08:00,512k 18:00,off";
  EXPECT_EQ(
      RclonePushArgv(request_),
      (Argv{"rclone", "copy", "--checksum", "--retries", "1", "--bwlimit", "08:00,512k 18:00,off",
            "/data/lab/EQ/P1/Runs/Run_1", "labnas:lab/EQ/P1/Runs/Run_1"}));
}

TEST_F(RcloneTransportTest, BwlimitTimetablePassesThroughVerbatim) {
  transport_.bwlimit_text = "Mon-08:00,512k Fri-18:00,off";
  transport_.bandwidth.upload_mbps = 50;  // ignored: config refuses both, the text wins here
  EXPECT_EQ(RcloneBwlimitArgument(transport_, {1, 9 * 60}), "Mon-08:00,512k Fri-18:00,off");
}

TEST_F(RcloneTransportTest, UploadMbpsWindowsGiveTheRateInForceNow) {
  transport_.bandwidth.upload_mbps = 50;
  transport_.bandwidth.windows = {{0b0111110, 8 * 60, 18 * 60}};          // mon-fri 08:00-18:00
  EXPECT_EQ(RcloneBwlimitArgument(transport_, {1, 8 * 60}), "6250000B");  // Monday 08:00
  EXPECT_EQ(RcloneBwlimitArgument(transport_, {1, 18 * 60}), "");         // 18:00: off
  EXPECT_EQ(RcloneBwlimitArgument(transport_, {0, 9 * 60}), "");          // Sunday
  transport_.bandwidth = {};
  EXPECT_EQ(RcloneBwlimitArgument(transport_, {1, 9 * 60}), "");
}

TEST_F(RcloneTransportTest, ALocalDestinationIsSyncedAfterTheCopy) {
  DestinationIs(kLocalFeatures);
  RclonePush push = PushRunWithRclone(&runner_, transport_, request_);
  ASSERT_TRUE(push.attempt.done()) << push.attempt.failure.message;
  EXPECT_EQ(push.durability, RcloneDurability::kSynced);
  std::vector<CommandSpec> ran = runner_.commands_ran();
  ASSERT_EQ(ran.size(), 3u);
  EXPECT_EQ(ran[0].argv, RclonePushArgv(request_));
  EXPECT_EQ(ran[1].argv, (Argv{"rclone", "backend", "features", "labnas:lab/EQ/P1/Runs/Run_1"}));
  EXPECT_EQ(ran[2].argv, (Argv{"sync", "-f", "/mnt/nas/lab/EQ/P1/Runs/Run_1"}));
  for (const CommandSpec& s : ran) {
    EXPECT_EQ(s.timeout_ms, 3'600'000);
    EXPECT_EQ(s.env_overrides, request_.env);
  }
}

TEST_F(RcloneTransportTest, AnSftpDestinationIsLeftToItsWriteback) {
  DestinationIs(kSftpFeatures);
  RclonePush push = PushRunWithRclone(&runner_, transport_, request_);
  ASSERT_TRUE(push.attempt.done());
  EXPECT_EQ(push.durability, RcloneDurability::kBackendWriteback);
  EXPECT_EQ(runner_.run_count(), 2u);  // copy, features; no sync
}

TEST_F(RcloneTransportTest, AFailedSyncFailsThePush) {
  DestinationIs(kLocalFeatures);
  runner_.OnProgram("sync", FakeCommandRunner::Exit(
                                1, "", "sync: error syncing '/mnt/nas/lab': Input/output error\n"));
  RclonePush push = PushRunWithRclone(&runner_, transport_, request_);
  EXPECT_EQ(push.attempt.outcome, RemoteAttempt::Outcome::kFailed);
  EXPECT_EQ(push.attempt.failure.kind, FailureKind::kOther);
  EXPECT_EQ(push.attempt.failure.message,
            "sync exit 1: sync: error syncing '/mnt/nas/lab': Input/output error");
}

TEST_F(RcloneTransportTest, FeaturesThatAreNotJsonFailThePush) {
  DestinationIs("not json");
  RclonePush push = PushRunWithRclone(&runner_, transport_, request_);
  EXPECT_EQ(push.attempt.failure.message,
            "rclone backend features: not the JSON object with \"String\" and \"Root\" it prints");
}

TEST_F(RcloneTransportTest, AWrongKeyIsAnAuthFailureAndNothingElseRuns) {
  runner_.On(IsCopy,
             Answer(FakeCommandRunner::Exit(
                 1, "",
                 "2026/12/02 18:10:27 Failed to create file system for "
                 "\"nas:/tmp/rcs/sftpnas/EQ/Run_1\": NewFs: couldn't connect SSH: ssh: handshake "
                 "failed: ssh: unable to authenticate, attempted methods [none publickey], no "
                 "supported methods remain\n")));
  RclonePush push = PushRunWithRclone(&runner_, transport_, request_);
  EXPECT_EQ(push.attempt.failure.kind, FailureKind::kAuth);
  EXPECT_EQ(runner_.run_count(), 1u);
}

TEST_F(RcloneTransportTest, AClosedPortIsANetworkFailure) {
  runner_.On(IsCopy, Answer(FakeCommandRunner::Exit(
                         1, "",
                         "2026/12/02 18:05:05 Failed to create file system for "
                         "\"nas:/tmp/rcs/sftpnas/EQ/Run_1\": NewFs: couldn't connect SSH: dial "
                         "tcp 127.0.0.1:42222: connect: connection refused\n")));
  EXPECT_EQ(PushRunWithRclone(&runner_, transport_, request_).attempt.failure.kind,
            FailureKind::kNetwork);
}

TEST_F(RcloneTransportTest, MissingRcloneIsAMissingBinary) {
  runner_.NotInstalled("rclone");
  RclonePush push = PushRunWithRclone(&runner_, transport_, request_);
  EXPECT_EQ(push.attempt.failure.kind, FailureKind::kMissingBinary);
}

TEST_F(RcloneTransportTest, ACancelIsNotAFailure) {
  std::atomic<bool> cancel{true};
  RclonePush push = PushRunWithRclone(&runner_, transport_, request_, &cancel);
  EXPECT_EQ(push.attempt.outcome, RemoteAttempt::Outcome::kCancelled);
  EXPECT_EQ(runner_.run_count(), 1u);
}

}  // namespace
}  // namespace ferry::push
