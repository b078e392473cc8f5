// The rsync_ssh transport with FakeCommandRunner: the exact argv (trailing slashes, --mkpath,
// --partial-dir, --fsync, --bwlimit, the ssh -e string), the timeout, and how each result is
// classified.
#include "push/rsync_transport.h"

#include <gtest/gtest.h>

#include "base/fake_command_runner.h"
#include "push/ssh_command.h"

namespace ferry::push {
namespace {

using Argv = std::vector<std::string>;

class RsyncTransportTest : public ::testing::Test {
 protected:
  RsyncTransportTest() {
    transport_.type = TransportType::kRsyncSsh;
    transport_.ssh_target = "labuser@nas01";
    transport_.ssh_key_path = "~/.ssh/id_ed25519";
    transport_.ssh_port = 2222;
    transport_.remote_path = "/srv/lab";
    request_.run_dir = "/data/lab/EQ/P1/Runs/Run_1";
    request_.nas_path = "/srv/lab/EQ/P1/Runs/Run_1";
    request_.home = "/home/lab";
    request_.timeout_ms = 3'600'000;
  }

  TransportConfig transport_;
  RsyncPushRequest request_;
  FakeCommandRunner runner_;
};

TEST_F(RsyncTransportTest, ArgvCopiesTheRunContentsIntoItsNasDir) {
  EXPECT_EQ(RsyncPushArgv(transport_, request_),
            (Argv{"rsync", "-a", "--mkpath", "--partial-dir=.rsync-partial", "--fsync", "-e",
                  "ssh -i /home/lab/.ssh/id_ed25519 -o BatchMode=yes -p 2222",
                  "/data/lab/EQ/P1/Runs/Run_1/", "labuser@nas01:/srv/lab/EQ/P1/Runs/Run_1/"}));
}

TEST_F(RsyncTransportTest, TrailingSlashesAreNotDoubled) {
  request_.run_dir += "/";
  request_.nas_path += "/";
  Argv argv = RsyncPushArgv(transport_, request_);
  EXPECT_EQ(argv[argv.size() - 2], "/data/lab/EQ/P1/Runs/Run_1/");
  EXPECT_EQ(argv.back(), "labuser@nas01:/srv/lab/EQ/P1/Runs/Run_1/");
}

TEST_F(RsyncTransportTest, RateAndKnownHostsAndAQuotedKeyPath) {
  request_.rate = 6'250'000;  // 50 Mbit/s = 6103.5 KiB/s
  transport_.ssh_known_hosts = "/etc/ferry/known_hosts";
  transport_.ssh_key_path = "/keys/lab key's";
  EXPECT_EQ(RsyncPushArgv(transport_, request_),
            (Argv{"rsync", "-a", "--mkpath", "--partial-dir=.rsync-partial", "--fsync",
                  "--bwlimit=6103", "-e",
                  "ssh -i '/keys/lab key''s' -o BatchMode=yes -p 2222 -o "
                  "UserKnownHostsFile=/etc/ferry/known_hosts",
                  "/data/lab/EQ/P1/Runs/Run_1/", "labuser@nas01:/srv/lab/EQ/P1/Runs/Run_1/"}));
}

TEST_F(RsyncTransportTest, RunsWithTheTimeoutAndSucceeds) {
  RemoteAttempt a = PushRunWithRsync(&runner_, transport_, request_);
  EXPECT_TRUE(a.done());
  ASSERT_EQ(runner_.commands_ran().size(), 1u);
  EXPECT_EQ(runner_.commands_ran()[0].timeout_ms, 3'600'000);
  EXPECT_EQ(runner_.commands_ran()[0].argv, RsyncPushArgv(transport_, request_));
}

TEST_F(RsyncTransportTest, AWrongKeyIsAnAuthFailure) {
  runner_.OnProgram("rsync",
                    FakeCommandRunner::Exit(255, "",
                                            "labuser@nas01: Permission denied "
                                            "(publickey,password).\r\n"
                                            "rsync: connection unexpectedly closed (0 bytes "
                                            "received so far) [sender]\n"));
  RemoteAttempt a = PushRunWithRsync(&runner_, transport_, request_);
  EXPECT_EQ(a.outcome, RemoteAttempt::Outcome::kFailed);
  EXPECT_EQ(a.failure.kind, FailureKind::kAuth);
}

TEST_F(RsyncTransportTest, AClosedPortIsANetworkFailure) {
  runner_.OnProgram("rsync",
                    FakeCommandRunner::Exit(
                        255, "", "ssh: connect to host nas01 port 2222: Connection refused\n"));
  EXPECT_EQ(PushRunWithRsync(&runner_, transport_, request_).failure.kind, FailureKind::kNetwork);
}

TEST_F(RsyncTransportTest, MissingRsyncIsAMissingBinary) {
  runner_.NotInstalled("rsync");
  RemoteAttempt a = PushRunWithRsync(&runner_, transport_, request_);
  EXPECT_EQ(a.failure.kind, FailureKind::kMissingBinary);
}

TEST_F(RsyncTransportTest, ACancelIsNotAFailure) {
  std::atomic<bool> cancel{true};
  RemoteAttempt a = PushRunWithRsync(&runner_, transport_, request_, &cancel);
  EXPECT_EQ(a.outcome, RemoteAttempt::Outcome::kCancelled);
}

TEST(SshCommandTest, ShellQuoteSurvivesAQuote) {
  EXPECT_EQ(ShellQuote("/srv/lab's dir"), "'/srv/lab'\\''s dir'");
}

TEST(SshCommandTest, ExpandHomeOnlyExpandsALeadingTilde) {
  EXPECT_EQ(ExpandHome("~/.ssh/k", "/home/a"), "/home/a/.ssh/k");
  EXPECT_EQ(ExpandHome("~", "/home/a"), "/home/a");
  EXPECT_EQ(ExpandHome("/etc/~/k", "/home/a"), "/etc/~/k");
  EXPECT_EQ(ExpandHome("~bob/k", "/home/a"), "~bob/k");
}

}  // namespace
}  // namespace ferry::push
