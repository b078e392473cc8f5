// The rsync_ssh transport and its verify pass against real components on loopback: an sshd
// started by the test (generated host and client keys, a known_hosts file so host key checking
// stays on), real rsync, ssh, sha256sum and find. A run is pushed into a fresh NAS path,
// verified, then a byte flipped on the NAS copy is caught, and a file removed from the NAS
// copy refuses cleanup.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "ferry/command_runner.h"
#include "ferry/env.h"
#include "push/cleanup_interlocks.h"
#include "push/job_queue.h"
#include "push/remote_verify.h"
#include "push/rsync_transport.h"
#include "push/run_cleanup.h"
#include "push/run_manifest.h"
#include "support/file_contents.h"
#include "support/ssh_server.h"
#include "support/temp_dir.h"

namespace ferry::push {
namespace {

namespace fs = std::filesystem;

using testing::ReadFile;
using testing::WriteFile;

class RsyncSshPushTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(tmp_.Join("sshd"));
    server_.Start(runner_.get());
    ASSERT_FALSE(HasFatalFailure());
    WriteFile(tmp_.Join("known_hosts"), server_.KnownHostsLine());

    transport_.type = TransportType::kRsyncSsh;
    transport_.ssh_target = testing::SshServer::Target();
    transport_.ssh_key_path = server_.client_key();
    transport_.ssh_port = server_.port();
    transport_.ssh_known_hosts = tmp_.Join("known_hosts");
    transport_.remote_path = tmp_.Join("nas");

    run_ = tmp_.Join("lab/EQ/P1/Runs/Run_1");
    nas_ = tmp_.Join("nas/EQ/P1/Runs/Run_1");  // its parents do not exist yet
    WriteFile(run_ + "/meta.json", "{\"run\":1}\n");
    WriteFile(run_ + "/raw/frame 0001.bin", std::string(200'000, 'x'));
    WriteFile(run_ + "/raw/back\\slash.bin", "odd name");
    WriteFile(run_ + "/logs/empty.log", "");
    Result<std::vector<ManifestEntry>> m = WriteRunManifest(Env::Default(), run_, ".ferry", 2);
    ASSERT_TRUE(m.ok()) << m.status().message();
    ASSERT_EQ(m->size(), 4u);
  }

  RsyncPushRequest PushRequest() const {
    RsyncPushRequest r;
    r.run_dir = run_;
    r.nas_path = nas_;
    r.timeout_ms = 120'000;
    return r;
  }
  SshRemoteRequest RemoteRequest() const {
    SshRemoteRequest r;
    r.run_dir = run_;
    r.nas_path = nas_;
    r.timeout_ms = 120'000;
    return r;
  }
  RemoteVerification Verify() {
    Result<RemoteVerification> v =
        VerifyRunOverSsh(runner_.get(), Env::Default(), transport_, RemoteRequest());
    EXPECT_TRUE(v.ok()) << v.status().message();
    return v.ok() ? *v : RemoteVerification{};
  }
  void Push() {
    RemoteAttempt a = PushRunWithRsync(runner_.get(), transport_, PushRequest());
    ASSERT_TRUE(a.done()) << a.failure.message << "\n" << a.result.stderr_text;
  }

  std::unique_ptr<CommandRunner> runner_ = NewPosixCommandRunner();
  testing::TempDir tmp_;
  testing::SshServer server_{tmp_.Join("sshd")};
  TransportConfig transport_;
  std::string run_;
  std::string nas_;
};

TEST_F(RsyncSshPushTest, PushLandsTheRunContentsInItsNasDirAndVerifies) {
  Push();
  // The contents are IN the NAS dir (not nas/.../Run_1/Run_1), the manifest travelled along.
  EXPECT_EQ(ReadFile(nas_ + "/meta.json"), "{\"run\":1}\n");
  EXPECT_EQ(ReadFile(nas_ + "/raw/frame 0001.bin"), std::string(200'000, 'x'));
  EXPECT_EQ(ReadFile(nas_ + "/raw/back\\slash.bin"), "odd name");
  EXPECT_TRUE(fs::exists(nas_ + "/logs/empty.log"));
  EXPECT_EQ(ReadFile(nas_ + "/.ferry/checksums.sha256"),
            ReadFile(run_ + "/.ferry/checksums.sha256"));
  EXPECT_FALSE(fs::exists(nas_ + "/Run_1"));

  RemoteVerification v = Verify();
  EXPECT_TRUE(v.attempt.done()) << v.attempt.failure.message << "\n"
                                << v.attempt.result.stderr_text;
  EXPECT_EQ(v.report.Summary(), "4 files match");
}

TEST_F(RsyncSshPushTest, AByteFlippedOnTheNasCopyIsCaught) {
  Push();
  {
    std::fstream f(nas_ + "/raw/frame 0001.bin", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(123'456);
    f.put('y');
  }
  RemoteVerification v = Verify();
  EXPECT_EQ(v.attempt.outcome, RemoteAttempt::Outcome::kFailed);
  EXPECT_EQ(v.attempt.failure.kind, FailureKind::kHashMismatch);
  EXPECT_EQ(v.attempt.failure.message,
            "NAS copy " + nas_ + ": 3 files match; 1 different: raw/frame 0001.bin");
}

// The NAS hashes with `openssl dgst` where it prints a name as sha256sum would and with
// sha256sum elsewhere (a newline, CR or backslash in the name, a leading '-'): both halves
// are read back, and a flipped byte is caught in each.
TEST_F(RsyncSshPushTest, EveryKindOfNameIsHashedOnTheNasAndAFlipInEachIsCaught) {
  WriteFile(run_ + "/-leading dash.bin", "dash");
  WriteFile(run_ + "/raw/line\nbreak.bin", "newline");
  WriteFile(run_ + "/raw/carriage\rreturn.bin", "cr");
  ASSERT_TRUE(WriteRunManifest(Env::Default(), run_, ".ferry", 2).ok());
  Push();
  RemoteVerification v = Verify();
  EXPECT_TRUE(v.attempt.done()) << v.attempt.failure.message << "\n"
                                << v.attempt.result.stderr_text;
  EXPECT_EQ(v.report.Summary(), "7 files match");

  WriteFile(nas_ + "/meta.json", "{\"run\":2}\n");      // an openssl name
  WriteFile(nas_ + "/raw/line\nbreak.bin", "newlinE");  // a sha256sum name
  WriteFile(nas_ + "/-leading dash.bin", "dasH");       // a sha256sum name
  v = Verify();
  EXPECT_EQ(v.attempt.failure.kind, FailureKind::kHashMismatch);
  EXPECT_EQ(v.report.different,
            (std::vector<std::string>{"-leading dash.bin", "meta.json", "raw/line\nbreak.bin"}));
  EXPECT_EQ(v.report.matched, 4u);
}

TEST_F(RsyncSshPushTest, CleanupIsRefusedWhenTheNasCopyMissesAFile) {
  Push();
  fs::remove(nas_ + "/meta.json");
  RemoteListing listing = ListRemoteRun(runner_.get(), transport_, RemoteRequest());
  ASSERT_TRUE(listing.attempt.done()) << listing.attempt.failure.message;

  CleanupConfig config;
  config.enabled = true;
  CleanupFacts facts;
  facts.job.nas_path = nas_;
  facts.job.verify_passes = 2;
  facts.job.verified_at = 1;
  facts.now = 1 + 48 * 3600;
  facts.local_files = *ListRunFiles(Env::Default(), run_, ".ferry");
  facts.remote_listing = listing.files;
  CleanupVerdict verdict = EvaluateCleanupInterlocks(config, facts);
  EXPECT_FALSE(verdict.allowed);
  EXPECT_EQ(verdict.refusals, std::vector<std::string>{"1 file(s) missing from the NAS copy " +
                                                       nas_ + ": meta.json"});
}

// The job's whole life with short interlocks (0 h): queued -> running -> awaiting_verify ->
// verified (two passes) -> cleanup_eligible -> cleaned, each step driven by the real
// transport's outcome; the local data files are gone, the cache dir stays, and the NAS copy
// still verifies.
TEST_F(RsyncSshPushTest, HappyPathToCleanedWithShortInterlocks) {
  Result<std::unique_ptr<JobQueue>> opened =
      JobQueue::Open(Env::Default(), tmp_.Join(kQueueFileName), RetryPolicy{});
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  JobQueue& q = **opened;
  Job job = *q.Enqueue(run_, "EQ", nas_);
  ASSERT_TRUE(q.StartAttempt(job.id).ok());
  Push();
  JobChange pushed;
  pushed.to = JobState::kAwaitingVerify;
  ASSERT_TRUE(q.Apply(job.id, JobState::kRunning, pushed).ok());
  ASSERT_TRUE(Verify().attempt.done());
  ASSERT_TRUE(q.RecordVerifyPass(job.id, JobState::kAwaitingVerify).ok());
  ASSERT_TRUE(Verify().attempt.done());
  job = *q.RecordVerifyPass(job.id, JobState::kVerified);
  EXPECT_EQ(job.verify_passes, 2);

  CleanupConfig config;
  config.enabled = true;
  config.min_age_hours = 0;
  RemoteListing listing = ListRemoteRun(runner_.get(), transport_, RemoteRequest());
  ASSERT_TRUE(listing.attempt.done()) << listing.attempt.failure.message;
  CleanupFacts facts;
  facts.job = job;
  facts.now = q.NowSeconds();
  facts.local_files = *ListRunFiles(Env::Default(), run_, ".ferry");
  facts.remote_listing = listing.files;
  CleanupVerdict verdict = EvaluateCleanupInterlocks(config, facts);
  ASSERT_TRUE(verdict.allowed) << verdict.refusals.front();
  JobChange eligible;
  eligible.to = JobState::kCleanupEligible;
  job = *q.Apply(job.id, JobState::kVerified, eligible);

  Result<Job> cleaned = CleanUpJob(&q, Env::Default(), job, facts.local_files, {".ferry", true});
  ASSERT_TRUE(cleaned.ok()) << cleaned.status().message();
  EXPECT_EQ(cleaned->state, JobState::kCleaned) << cleaned->last_error;
  EXPECT_FALSE(fs::exists(run_ + "/meta.json"));
  EXPECT_FALSE(fs::exists(run_ + "/raw"));
  EXPECT_TRUE(fs::exists(run_ + "/.ferry/checksums.sha256"));
  EXPECT_TRUE(Verify().attempt.done());  // the NAS copy is untouched
}

TEST_F(RsyncSshPushTest, AKeyTheNasDoesNotKnowIsAnAuthFailure) {
  CommandSpec keygen;
  keygen.argv = {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", tmp_.Join("stranger")};
  keygen.timeout_ms = 60'000;
  ASSERT_TRUE(runner_->Run(keygen).ok());
  transport_.ssh_key_path = tmp_.Join("stranger");
  RemoteAttempt a = PushRunWithRsync(runner_.get(), transport_, PushRequest());
  EXPECT_EQ(a.outcome, RemoteAttempt::Outcome::kFailed);
  EXPECT_EQ(a.failure.kind, FailureKind::kAuth) << a.failure.message;
  EXPECT_FALSE(fs::exists(nas_));
}

}  // namespace
}  // namespace ferry::push
