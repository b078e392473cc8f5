// The failure classifiers on real stderr: every sample below was produced on the build machine
// (rsync 3.5.0, OpenSSH 9.2p1, rclone v1.60.1) by running the programs against bad targets: an
// sshd on loopback with a key it does not know, a closed port, an unresolvable host, a missing
// source directory, a file unreadable by the (unprivileged) user, a remote without rsync, an
// rclone remote missing from the config. The commands are in docs/PUSH.md. Text is verbatim
// (ssh's "\r\n" included).
#include "push/failure_class.h"

#include <gtest/gtest.h>

namespace ferry::push {
namespace {

// exit 255
const char* const kRsyncSshWrongKey =
    "root@127.0.0.1: Permission denied (publickey).\r\n"
    "rsync: connection unexpectedly closed (0 bytes received so far) [sender]\n"
    "rsync error: unexplained error (code 255) at io.c(285) [sender=3.5.0]\n";

// exit 255
const char* const kSshWrongKey = "root@127.0.0.1: Permission denied (publickey).\r\n";

// exit 12
const char* const kRsyncSshRefused =
    "ssh: connect to host 127.0.0.1 port 1: Connection refused\r\n"
    "rsync: connection unexpectedly closed (0 bytes received so far) [sender]\n"
    "rsync error: error in rsync protocol data stream (code 12) at io.c(285) [sender=3.5.0]\n";

// exit 12
const char* const kRsyncSshNoHost =
    "ssh: Could not resolve hostname nas.invalid: Name or service not known\r\n"
    "rsync: connection unexpectedly closed (0 bytes received so far) [sender]\n"
    "rsync error: error in rsync protocol data stream (code 12) at io.c(285) [sender=3.5.0]\n";

// exit 23
const char* const kRsyncSrcVanished =
    "rsync: [sender] change_dir \"/tmp/pushsamples/w/nosuchrun\" failed: No such file or directory "
    "(2)\n"
    "rsync error: some files/attrs were not transferred (see previous errors) (code 23) at "
    "main.c(1394) [sender=3.5.0]\n";

// exit 11
const char* const kRsyncSshRemoteDirMissing =
    "rsync: [Receiver] mkdir \"/nonexistent/deeper/dst\" failed: No such file or directory (2)\n"
    "rsync error: error in file IO (code 11) at main.c(808) [Receiver=3.5.0]\n";

// exit 127
const char* const kRsyncSshRemoteNoRsync =
    "bash: line 1: /nonexistent/rsync: No such file or directory\n"
    "rsync: connection unexpectedly closed (0 bytes received so far) [sender]\n"
    "rsync error: remote command not found (code 127) at io.c(285) [sender=3.5.0]\n";

// exit 23
const char* const kRsyncLocalPermissionDenied =
    "rsync: [generator] failed to set times on \"/tmp/pushsamples/w/dstn/.\": Operation not "
    "permitted (1)\n"
    "rsync: [sender] send_files failed to open \"/tmp/pushsamples/w/src/locked\": Permission "
    "denied (13)\n"
    "rsync error: some files/attrs were not transferred (see previous errors) (code 23) at "
    "main.c(1394) [sender=3.5.0]\n";

// exit 1
const char* const kRcloneSftpWrongKey =
    "2026/12/02 14:15:49 Failed to create file system for \"bad:/tmp/pushsamples/w/rdst\": NewFs: "
    "couldn't connect SSH: ssh: handshake failed: ssh: unable to authenticate, attempted methods "
    "[none publickey], no supported methods remain\n";

// exit 1
const char* const kRcloneSftpRefused =
    "2026/12/02 14:15:50 Failed to create file system for \"down:/tmp/pushsamples/w/rdst\": NewFs: "
    "couldn't connect SSH: dial tcp 127.0.0.1:1: connect: connection refused\n";

// exit 3
const char* const kRcloneSrcMissing =
    "2026/12/02 14:15:50 ERROR : Local file system at /tmp/pushsamples/w/nosuchrun: error reading "
    "source root directory: directory not found\n"
    "2026/12/02 14:15:50 ERROR : Attempt 1/1 failed with 1 errors and: directory not found\n"
    "2026/12/02 14:15:50 Failed to copy: directory not found\n";

// exit 1
const char* const kRcloneBadRemote =
    "2026/12/02 14:16:03 Failed to create file system for \"nosuchremote:x\": didn't find section "
    "in config file\n";

// exit 1
const char* const kRcloneCheckDiffer =
    "2026/12/02 14:16:04 NOTICE: Local file system at /tmp/pushsamples/w/c2: 1 differences found\n"
    "2026/12/02 14:16:04 NOTICE: Local file system at /tmp/pushsamples/w/c2: 1 errors while "
    "checking\n"
    "2026/12/02 14:16:04 Failed to check: 1 differences found\n";

// exit 1 (rclone copy run as nobody, one source file mode 000)
const char* const kRcloneLocalPermissionDenied =
    "2026/12/02 14:16:10 ERROR : locked: Failed to copy: failed to open source object: open "
    "/tmp/pushsamples/w/src/locked: permission denied\n"
    "2026/12/02 14:16:10 ERROR : Attempt 1/1 failed with 1 errors and: failed to open source "
    "object: open /tmp/pushsamples/w/src/locked: permission denied\n"
    "2026/12/02 14:16:10 Failed to copy: failed to open source object: open "
    "/tmp/pushsamples/w/src/locked: permission denied\n";

// exit 1 (first line and the last of the usage text rclone prints)
const char* const kRcloneBadBwlimit =
    "Error: invalid argument \"08:00,bogus\" for \"--bwlimit\" flag: bad suffix 's'\n"
    "2026/12/02 14:16:03 Fatal error: invalid argument \"08:00,bogus\" for \"--bwlimit\" flag: bad "
    "suffix 's'\n";

CommandResult Exited(int code, const char* stderr_text) {
  CommandResult r;
  r.exit_code = code;
  r.stderr_text = stderr_text;
  return r;
}

TEST(FailureClassTest, RsyncWithAKeyTheNasDoesNotKnowIsAuth) {
  Classification c = ClassifyRsync(Exited(255, kRsyncSshWrongKey));
  EXPECT_EQ(c.kind, FailureKind::kAuth);
  EXPECT_EQ(c.message, "rsync exit 255: root@127.0.0.1: Permission denied (publickey).");
}

TEST(FailureClassTest, SshWithAKeyTheNasDoesNotKnowIsAuth) {
  Classification c = ClassifySsh(Exited(255, kSshWrongKey));
  EXPECT_EQ(c.kind, FailureKind::kAuth);
  EXPECT_EQ(c.message, "ssh exit 255: root@127.0.0.1: Permission denied (publickey).");
}

TEST(FailureClassTest, RsyncToAClosedPortIsNetwork) {
  Classification c = ClassifyRsync(Exited(12, kRsyncSshRefused));
  EXPECT_EQ(c.kind, FailureKind::kNetwork);
  EXPECT_EQ(c.message, "rsync exit 12: ssh: connect to host 127.0.0.1 port 1: Connection refused");
}

TEST(FailureClassTest, RsyncToAnUnknownHostIsNetwork) {
  Classification c = ClassifyRsync(Exited(12, kRsyncSshNoHost));
  EXPECT_EQ(c.kind, FailureKind::kNetwork);
  EXPECT_EQ(
      c.message,
      "rsync exit 12: ssh: Could not resolve hostname nas.invalid: Name or service not known");
}

TEST(FailureClassTest, RsyncWhoseRunVanishedIsLocalFileVanished) {
  Classification c = ClassifyRsync(Exited(23, kRsyncSrcVanished));
  EXPECT_EQ(c.kind, FailureKind::kLocalFileVanished);
  EXPECT_EQ(c.message,
            "rsync exit 23: rsync: [sender] change_dir \"/tmp/pushsamples/w/nosuchrun\" failed: "
            "No such file or directory (2)");
}

TEST(FailureClassTest, RsyncExit24IsLocalFileVanishedByItsCode) {
  EXPECT_EQ(ClassifyRsync(Exited(24, "")).kind, FailureKind::kLocalFileVanished);
}

TEST(FailureClassTest, LocalPermissionDeniedIsNotAuth) {
  Classification c = ClassifyRsync(Exited(23, kRsyncLocalPermissionDenied));
  EXPECT_EQ(c.kind, FailureKind::kLocalIo);
  EXPECT_EQ(c.message,
            "rsync exit 23: rsync: [sender] send_files failed to open "
            "\"/tmp/pushsamples/w/src/locked\": Permission denied (13)");
  Classification r = ClassifyRclone(Exited(1, kRcloneLocalPermissionDenied));
  EXPECT_EQ(r.kind, FailureKind::kLocalIo);
  EXPECT_EQ(r.message,
            "rclone exit 1: ERROR : locked: Failed to copy: failed to open source object: open "
            "/tmp/pushsamples/w/src/locked: permission denied");
}

TEST(FailureClassTest, RsyncWithoutRsyncOnTheNasIsMissingBinary) {
  Classification c = ClassifyRsync(Exited(127, kRsyncSshRemoteNoRsync));
  EXPECT_EQ(c.kind, FailureKind::kMissingBinary);
  EXPECT_EQ(c.message,
            "rsync exit 127: rsync error: remote command not found (code 127) at io.c(285) "
            "[sender=3.5.0]");
}

TEST(FailureClassTest, RsyncRemoteFileErrorIsRetried) {
  Classification c = ClassifyRsync(Exited(11, kRsyncSshRemoteDirMissing));
  EXPECT_EQ(c.kind, FailureKind::kOther);
  EXPECT_EQ(c.message,
            "rsync exit 11: rsync: [Receiver] mkdir \"/nonexistent/deeper/dst\" failed: No such "
            "file or directory (2)");
}

TEST(FailureClassTest, RcloneSftpWithAWrongKeyIsAuth) {
  Classification c = ClassifyRclone(Exited(1, kRcloneSftpWrongKey));
  EXPECT_EQ(c.kind, FailureKind::kAuth);
  EXPECT_EQ(c.message,
            "rclone exit 1: Failed to create file system for \"bad:/tmp/pushsamples/w/rdst\": "
            "NewFs: couldn't connect SSH: ssh: handshake failed: ssh: unable to authenticate, "
            "attempted methods [none publickey], no supported methods remain");
}

TEST(FailureClassTest, RcloneSftpToAClosedPortIsNetwork) {
  Classification c = ClassifyRclone(Exited(1, kRcloneSftpRefused));
  EXPECT_EQ(c.kind, FailureKind::kNetwork);
  EXPECT_EQ(c.message,
            "rclone exit 1: Failed to create file system for \"down:/tmp/pushsamples/w/rdst\": "
            "NewFs: couldn't connect SSH: dial tcp 127.0.0.1:1: connect: connection refused");
}

TEST(FailureClassTest, RcloneWhoseRunVanishedIsLocalFileVanished) {
  Classification c = ClassifyRclone(Exited(3, kRcloneSrcMissing));
  EXPECT_EQ(c.kind, FailureKind::kLocalFileVanished);
  EXPECT_EQ(c.message,
            "rclone exit 3: ERROR : Local file system at /tmp/pushsamples/w/nosuchrun: error "
            "reading source root directory: directory not found");
}

TEST(FailureClassTest, RcloneUnknownRemoteAndBadFlagAreFatal) {
  Classification c = ClassifyRclone(Exited(1, kRcloneBadRemote));
  EXPECT_EQ(c.kind, FailureKind::kFatal);
  EXPECT_EQ(c.message,
            "rclone exit 1: Failed to create file system for \"nosuchremote:x\": didn't find "
            "section in config file");
  EXPECT_EQ(ClassifyRclone(Exited(1, kRcloneBadBwlimit)).kind, FailureKind::kFatal);
}

TEST(FailureClassTest, RcloneCheckDifferencesAreNotATransportFailure) {
  // `rclone check` reporting differences is the verifier's finding, not a broken link.
  Classification c = ClassifyRclone(Exited(1, kRcloneCheckDiffer));
  EXPECT_EQ(c.kind, FailureKind::kOther);
  EXPECT_EQ(c.message,
            "rclone exit 1: NOTICE: Local file system at /tmp/pushsamples/w/c2: 1 differences "
            "found");
}

TEST(FailureClassTest, RcloneExitCodes) {
  EXPECT_EQ(ClassifyRclone(Exited(5, "")).kind, FailureKind::kNetwork);  // temporary
  EXPECT_EQ(ClassifyRclone(Exited(7, "")).kind, FailureKind::kFatal);    // quota, suspended
  EXPECT_EQ(ClassifyRclone(Exited(2, "")).kind, FailureKind::kOther);
  EXPECT_EQ(ClassifyRclone(Exited(2, "")).message, "rclone exit 2");
}

TEST(FailureClassTest, RsyncExitCodeTable) {
  for (int code : {1, 2, 4}) EXPECT_EQ(ClassifyRsync(Exited(code, "")).kind, FailureKind::kFatal);
  for (int code : {5, 10, 12, 30, 35, 255}) {
    EXPECT_EQ(ClassifyRsync(Exited(code, "")).kind, FailureKind::kNetwork) << code;
  }
  for (int code : {3, 6, 11, 13, 14, 20, 21, 22, 23, 25}) {
    EXPECT_EQ(ClassifyRsync(Exited(code, "")).kind, FailureKind::kOther) << code;
  }
  EXPECT_EQ(ClassifyRsync(Exited(127, "")).kind, FailureKind::kMissingBinary);
}

TEST(FailureClassTest, SshExitCodes) {
  EXPECT_EQ(ClassifySsh(Exited(255, "")).kind, FailureKind::kNetwork);
  EXPECT_EQ(ClassifySsh(Exited(127, "bash: line 1: sha256sum: command not found\n")).kind,
            FailureKind::kMissingBinary);
  EXPECT_EQ(ClassifySsh(Exited(1, "sha256sum: a.tif: No such file or directory\n")).kind,
            FailureKind::kOther);  // the remote command's own failure
}

// rsync's receiver prints this when a file's checksum after transfer does not match (rsync
// receiver.c's "WARNING: %s failed verification -- update discarded"); not reproduced here,
// since it needs the bytes to change in flight.
TEST(FailureClassTest, RsyncFailedVerificationIsHashMismatch) {
  Classification c = ClassifyRsync(
      Exited(23,
             "ERROR: Run_1/a.tif failed verification -- update discarded.\n"
             "rsync error: some files/attrs were not transferred (see previous errors) (code 23) "
             "at main.c(1394) [sender=3.5.0]\n"));
  EXPECT_EQ(c.kind, FailureKind::kHashMismatch);
  EXPECT_EQ(c.message,
            "rsync exit 23: ERROR: Run_1/a.tif failed verification -- update discarded.");
}

TEST(FailureClassTest, TimeoutIsNetwork) {
  CommandResult r;
  r.timed_out = true;
  r.duration_ms = 600'000;
  Classification c = ClassifyRsync(r);
  EXPECT_EQ(c.kind, FailureKind::kNetwork);
  EXPECT_EQ(c.message, "rsync timed out after 600 s");
}

TEST(FailureClassTest, MissingProgramIsMissingBinaryWithTheRunnersMessage) {
  // What the real runner says for a program that is not on PATH.
  std::unique_ptr<CommandRunner> runner = NewPosixCommandRunner();
  CommandSpec spec;
  spec.argv = {"ferry-no-such-rsync", "--version"};
  Result<CommandResult> r = runner->Run(spec);
  ASSERT_FALSE(r.ok());
  Classification c = ClassifyStartFailure(r.status(), "ferry-no-such-rsync");
  EXPECT_EQ(c.kind, FailureKind::kMissingBinary);
  EXPECT_EQ(c.message,
            "cannot run 'ferry-no-such-rsync': not found on PATH; install it with apt-get "
            "install ferry-no-such-rsync");
}

}  // namespace
}  // namespace ferry::push
