// The rsync_ssh transport with FakeCommandRunner: the exact argv (trailing slashes, --mkpath,
// --partial-dir, --bwlimit, the ssh -e string), the timeout, and how each result is
// classified.
#include "push/rsync_transport.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "base/fake_command_runner.h"
#include "base/file_util.h"
#include "base/mem_env.h"
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
            (Argv{"rsync", "-a", "--mkpath", "--partial-dir=.rsync-partial", "-e",
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
            (Argv{"rsync", "-a", "--mkpath", "--partial-dir=.rsync-partial", "--bwlimit=6103", "-e",
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

// Sets TZ for the test's lifetime (localtime_r reads it after tzset).
class ScopedUtc {
 public:
  ScopedUtc() {
    const char* old = getenv("TZ");
    had_old_ = old != nullptr;
    if (had_old_) old_ = old;
    setenv("TZ", "UTC", 1);
    tzset();
  }
  ~ScopedUtc() {
    if (had_old_) {
      setenv("TZ", old_.c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }

 private:
  bool had_old_ = false;
  std::string old_;
};

// Rate re-evaluation between batches: a run of three 100-byte files in batches of 150 bytes
// (two batches), a mon-fri 08:00-18:00 window at 50 Mbit/s, the MemEnv clock (UTC) at
// Thursday 2026-01-01 07:59; each rsync "takes" two minutes. The first batch goes unlimited,
// the window opens during it, the second batch and the final pass are limited.
class RsyncBatchTest : public RsyncTransportTest {
 protected:
  RsyncBatchTest() {
    transport_.ssh_key_path = "/keys/k";
    transport_.bandwidth.upload_mbps = 50;
    transport_.bandwidth.windows = {{0b0111110, 8 * 60, 18 * 60}};
    for (const char* f : {"a.bin", "b.bin", "raw/c.bin"}) {
      EXPECT_TRUE(CreateDirs(&env_, request_.run_dir + "/raw").ok());
      EXPECT_TRUE(
          WriteFileAtomically(&env_, request_.run_dir + "/" + f, std::string(100, 'x')).ok());
    }
    EXPECT_TRUE(CreateDirs(&env_, request_.run_dir + "/.ferry").ok());
    EXPECT_TRUE(
        WriteFileAtomically(&env_, request_.run_dir + "/.ferry/checksums.sha256", "m").ok());
    env_.AdvanceClock((7 * 3600 + 59 * 60) * int64_t{1'000'000'000});
    request_.env = &env_;
    request_.batch_bytes = 150;
    runner_.OnProgram(
        "rsync", [this](const CommandSpec&, const std::atomic<bool>*) -> Result<CommandResult> {
          env_.AdvanceClock(120 * int64_t{1'000'000'000});
          return FakeCommandRunner::Exit(0);
        });
  }

  ScopedUtc utc_;
  MemEnv env_;
};

TEST_F(RsyncBatchTest, AWindowOpeningMidRunLimitsTheNextBatch) {
  RemoteAttempt a = PushRunWithRsync(&runner_, transport_, request_);
  ASSERT_TRUE(a.done()) << a.failure.message;
  std::vector<CommandSpec> ran = runner_.commands_ran();
  ASSERT_EQ(ran.size(), 3u);
  const std::string ssh = "ssh -i /keys/k -o BatchMode=yes -p 2222";
  const std::string src = "/data/lab/EQ/P1/Runs/Run_1/";
  const std::string dst = "labuser@nas01:/srv/lab/EQ/P1/Runs/Run_1/";
  EXPECT_EQ(ran[0].argv, (Argv{"rsync", "-a", "--mkpath", "--partial-dir=.rsync-partial", "--from0",
                               "--files-from=-", "-e", ssh, src, dst}));
  EXPECT_EQ(ran[0].stdin_data, std::string("a.bin\0b.bin\0", 12));
  EXPECT_EQ(ran[1].argv,
            (Argv{"rsync", "-a", "--mkpath", "--partial-dir=.rsync-partial", "--bwlimit=6103",
                  "--from0", "--files-from=-", "-e", ssh, src, dst}));
  EXPECT_EQ(ran[1].stdin_data, std::string("raw/c.bin\0", 10));
  EXPECT_EQ(ran[2].argv, (Argv{"rsync", "-a", "--mkpath", "--partial-dir=.rsync-partial",
                               "--bwlimit=6103", "-e", ssh, src, dst}));
  EXPECT_EQ(ran[2].stdin_data, "");
  EXPECT_EQ(ran[2].timeout_ms, 3'600'000);
}

TEST_F(RsyncBatchTest, NoScheduleStaysOneRsync) {
  transport_.bandwidth.windows.clear();  // 50 Mbit/s at all times
  request_.rate = 6'250'000;
  ASSERT_TRUE(PushRunWithRsync(&runner_, transport_, request_).done());
  ASSERT_EQ(runner_.run_count(), 1u);
  EXPECT_EQ(runner_.commands_ran()[0].argv, RsyncPushArgv(transport_, request_));
}

TEST_F(RsyncBatchTest, AFailedBatchEndsThePush) {
  FakeCommandRunner runner;  // without the fixture's always-succeeding rsync
  runner.OnProgram("rsync",
                   FakeCommandRunner::Exit(
                       255, "", "ssh: connect to host nas01 port 2222: Connection refused\n"));
  RemoteAttempt a = PushRunWithRsync(&runner, transport_, request_);
  EXPECT_EQ(a.failure.kind, FailureKind::kNetwork);
  EXPECT_EQ(runner.run_count(), 1u);
}

TEST(RsyncBatchPlanTest, BatchesByCumulativeSize) {
  std::vector<RunFile> files = {{"a", 100}, {"b", 60}, {"c", 500}, {"d", 1}, {"e", 1}};
  EXPECT_EQ(PlanRsyncBatches(files, 150),
            (std::vector<std::vector<std::string>>{{"a", "b"}, {"c"}, {"d", "e"}}));
  EXPECT_TRUE(PlanRsyncBatches({}, 150).empty());
}

TEST(RsyncBatchPlanTest, TimetablesOfOneEntryDoNotVary) {
  TransportConfig t;
  t.bwlimit = Timetable{{{-1, 8 * 60, 1024}}};
  EXPECT_FALSE(RateVariesOverTime(t));
  t.bwlimit->entries.push_back({-1, 18 * 60, std::nullopt});
  EXPECT_TRUE(RateVariesOverTime(t));
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
