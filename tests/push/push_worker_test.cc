// `ferry push` through the real binary against a real sshd on loopback (real rsync, ssh,
// sha256sum): enqueue -> worker --once -> cleaned; the NAS down -> backoff -> success when it
// returns (time moved with FERRY_PUSH_NOW_OFFSET_SECONDS, not slept); the worker killed with
// -9 mid-transfer -> a restart replays and completes; the same leaf name in two projects; a
// gate block (exit 4, creation.json marked).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "ferry/command_runner.h"
// ssh_server.h first: it names ferry::CommandResult unqualified inside ferry::testing, which
// resolves to run_command.h's ferry::testing::CommandResult when that is seen first (an ODR
// clash that crashes the sshd thread).
#include "support/ssh_server.h"
// (blank line keeps clang-format from re-sorting)

#include "support/child_process.h"
#include "support/ferry_binary.h"
#include "support/file_contents.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace ferry {
namespace {

namespace fs = std::filesystem;

using testing::ReadFile;
using testing::WriteFile;

class PushCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::FerryBinaryIsSet());
    StartServer();
    ASSERT_FALSE(HasFatalFailure());
    run_ = tmp_.Join("lab/EQ/P1/Runs/Run_1");
    nas_ = tmp_.Join("nas/EQ/P1/Runs/Run_1");
    WriteFile(run_ + "/meta.json", "{\"run\":1}\n");
    WriteFile(run_ + "/raw/frame 0001.bin", std::string(100'000, 'x'));
  }

  // A fresh sshd (new dir, keys and port) and the config that points at it.
  void StartServer(const std::string& bandwidth = "") {
    const std::string dir = tmp_.Join("sshd" + std::to_string(servers_));
    ++servers_;
    fs::create_directories(dir);
    server_ = std::make_unique<testing::SshServer>(dir);
    server_->Start(runner_.get());
    ASSERT_FALSE(HasFatalFailure());
    WriteFile(tmp_.Join("known_hosts"), server_->KnownHostsLine());
    WriteConfig(bandwidth);
  }
  void WriteConfig(const std::string& bandwidth) {
    WriteFile(config_, "state_dir: " + tmp_.Join("state") +
                           "\n"
                           "equipment:\n"
                           "  - id: EQ\n"
                           "    local_root: " +
                           tmp_.Join("lab") +
                           "\n"
                           "    transport:\n"
                           "      type: rsync_ssh\n"
                           "      ssh_target: " +
                           testing::SshServer::Target() +
                           "\n"
                           "      ssh_key_path: " +
                           server_->client_key() +
                           "\n"
                           "      ssh_port: " +
                           std::to_string(server_->port()) +
                           "\n"
                           "      ssh_known_hosts: " +
                           tmp_.Join("known_hosts") +
                           "\n"
                           "      remote_path: " +
                           tmp_.Join("nas") + "\n" + bandwidth +
                           "nas_cleanup: {enabled: true, min_verify_passes: 1, min_age_hours: 0, "
                           "reverify_hours: 12}\n");
  }

  testing::CommandResult Ferry(std::vector<std::string> args, std::vector<std::string> env = {}) {
    std::vector<std::string> argv = {testing::FerryBinary(), "push"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--config");
    argv.push_back(config_);
    testing::RunOptions o;
    o.env_add = std::move(env);
    o.timeout = std::chrono::seconds(120);
    return testing::RunCommand(argv, o);
  }

  nlohmann::json Status(const std::string& run) {
    testing::CommandResult r = Ferry({"status", run, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
    return j.is_discarded() ? nlohmann::json::object() : j;
  }

  std::unique_ptr<CommandRunner> runner_ = NewPosixCommandRunner();
  testing::TempDir tmp_;
  std::unique_ptr<testing::SshServer> server_;
  int servers_ = 0;
  const std::string config_ = tmp_.Join("push.yaml");
  std::string run_;
  std::string nas_;
};

TEST_F(PushCommandTest, EnqueueThenWorkerOnceTakesTheRunToCleaned) {
  testing::CommandResult e = Ferry({"enqueue", run_});
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(e.out, "job 1 queued: " + run_ + " -> " + nas_ + "\n");
  testing::CommandResult w = Ferry({"worker", "--once", "--events", tmp_.Join("events.jsonl")});
  ASSERT_EQ(w.exit_code, 0) << w.err;
  nlohmann::json job = Status(run_);
  EXPECT_EQ(job["state"], "cleaned") << job.dump();
  EXPECT_EQ(job["verify_passes"], 1);
  EXPECT_EQ(job["nas_path"], nas_);
  EXPECT_EQ(ReadFile(nas_ + "/raw/frame 0001.bin"), std::string(100'000, 'x'));
  EXPECT_FALSE(fs::exists(run_ + "/meta.json"));
  EXPECT_TRUE(fs::exists(run_ + "/.ferry/checksums.sha256"));
  const std::string events = ReadFile(tmp_.Join("events.jsonl"));
  EXPECT_EQ(events.substr(0, 37), "{\"event\":\"started\",\"operation\":\"push\"");
  EXPECT_NE(events.find("\"message\":\"job 1 cleanup_eligible -> cleaned: " + run_),
            std::string::npos)
      << events;
  // verify reads both sides and does not move the queue (the local data is gone: cleaned).
  testing::CommandResult v = Ferry({"verify", run_});
  EXPECT_EQ(v.exit_code, 1) << v.err;
  EXPECT_EQ(v.out, "local " + run_ +
                       ": 0 files match; 2 missing locally: meta.json, raw/frame "
                       "0001.bin\nNAS " +
                       nas_ + ": 2 files match\n");
}

TEST_F(PushCommandTest, NasDownMeansBackoffThenSuccessWhenItReturns) {
  server_->Stop();
  ASSERT_EQ(Ferry({"enqueue", run_}).exit_code, 0);
  ASSERT_EQ(Ferry({"worker", "--once"}).exit_code, 0);
  nlohmann::json job = Status(run_);
  EXPECT_EQ(job["state"], "queued");
  EXPECT_EQ(job["attempts"], 1);
  EXPECT_EQ(job["last_error"].get<std::string>().substr(0, 9), "network: ") << job.dump();
  // Not due yet: another --once does nothing.
  ASSERT_EQ(Ferry({"worker", "--once"}).exit_code, 0);
  EXPECT_EQ(Status(run_)["attempts"], 1);

  StartServer();
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_EQ(Ferry({"worker", "--once"}, {"FERRY_PUSH_NOW_OFFSET_SECONDS=31"}).exit_code, 0);
  job = Status(run_);
  EXPECT_EQ(job["state"], "cleaned") << job.dump();
  EXPECT_EQ(ReadFile(nas_ + "/meta.json"), "{\"run\":1}\n");
}

TEST_F(PushCommandTest, TheSameLeafNameInTwoProjectsLandsInTwoNasDirs) {
  const std::string other = tmp_.Join("lab/EQ/P2/Runs/Run_1");
  WriteFile(other + "/meta.json", "{\"run\":2}\n");
  ASSERT_EQ(Ferry({"enqueue", run_, other}).exit_code, 0);
  ASSERT_EQ(Ferry({"worker", "--once"}).exit_code, 0);
  EXPECT_EQ(ReadFile(nas_ + "/meta.json"), "{\"run\":1}\n");
  EXPECT_EQ(ReadFile(tmp_.Join("nas/EQ/P2/Runs/Run_1/meta.json")), "{\"run\":2}\n");
  EXPECT_EQ(Status(other)["state"], "cleaned");
}

TEST_F(PushCommandTest, AGateBlockExits4AndMarksCreationJson) {
  const std::string bad = tmp_.Join("lab/EQ/P1/Runs/Run_<date>");
  WriteFile(bad + "/a.bin", "a");
  testing::CommandResult e = Ferry({"enqueue", bad});
  EXPECT_EQ(e.exit_code, 4) << e.err;
  EXPECT_EQ(e.err, "ferry: run " + bad +
                       " is blocked by the Pre-Sync Gate: unresolved_placeholder: 'Run_<date>' "
                       "has an unresolved <placeholder>; fill it in and rename the directory "
                       "(and 1 more finding(s)); or add a validation override to its "
                       "creation.json\n");
  EXPECT_EQ(ReadFile(bad + "/.ferry/creation.json"),
            "{\n  \"sync_status\": \"blocked_by_validation\"\n}\n");
  EXPECT_EQ(Ferry({"status", bad}).exit_code, 2);
}

// The worker is killed with -9 while rsync is mid-file (a 1 Mbit/s limit on a 600 kB file);
// rsync and ssh die with it (as on a power cut). The restarted worker replays the job
// (running -> queued, not a failed attempt) and completes it.
TEST_F(PushCommandTest, AWorkerKilledMidTransferIsReplayedAndCompletes) {
  StartServer("      bandwidth: {upload_mbps: 1}\n");
  ASSERT_FALSE(HasFatalFailure());
  std::string big(600'000, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 7919) >> 3);
  WriteFile(run_ + "/raw/big.bin", big);
  ASSERT_EQ(Ferry({"enqueue", run_}).exit_code, 0);

  testing::ChildProcess worker;
  testing::SpawnOptions so;
  so.argv = {testing::FerryBinary(), "push", "worker", "--once", "--config", config_};
  std::string error;
  ASSERT_TRUE(worker.Start(so, &error)) << error;
  // Poll (bounded: at most 6,000 looks, 5 ms apart) until bytes of big.bin arrive in the NAS
  // dir: rsync's temp file.
  bool mid = false;
  for (int i = 0; i < 6000 && !mid; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::error_code ec;
    if (fs::exists(nas_ + "/raw", ec)) {
      for (const auto& e : fs::directory_iterator(nas_ + "/raw", ec)) {
        if (e.path().filename().string().rfind(".big.bin.", 0) == 0 && e.file_size(ec) > 0) {
          mid = true;
        }
      }
    }
  }
  ASSERT_TRUE(mid) << "rsync never started writing big.bin";
  // Everything the worker started (rsync, ssh) is in process groups of its children: kill the
  // worker and them, as a power cut would.
  // The worker is frozen first, so it cannot see its rsync die and record anything.
  const pid_t pid = worker.pid();
  worker.Signal(SIGSTOP);
  testing::RunShell("for c in $(pgrep -P " + std::to_string(pid) + "); do kill -KILL -- -$c; done");
  worker.Signal(SIGKILL);
  worker.Wait(std::chrono::seconds(30));
  EXPECT_EQ(Status(run_)["state"], "running");
  EXPECT_FALSE(fs::exists(nas_ + "/raw/big.bin"));  // never under its real name half-written

  WriteConfig("");  // the second run at full speed
  testing::CommandResult w = Ferry({"worker", "--once"});
  ASSERT_EQ(w.exit_code, 0) << w.err;
  nlohmann::json job = Status(run_);
  EXPECT_EQ(job["state"], "cleaned") << job.dump();
  EXPECT_EQ(job["attempts"], 0);
  EXPECT_EQ(ReadFile(nas_ + "/raw/big.bin"), big);
}

// The rclone transport through the worker: real rclone with a local backend (the remote
// `nas` defined in the environment, no rclone.conf), push + verify with `rclone hashsum`, a
// byte flipped on the NAS caught by `verify`, and cleanup once the copy is whole again.
TEST(PushCommandRcloneTest, TheWorkerPushesVerifiesAndCleansThroughRclone) {
  ASSERT_TRUE(testing::FerryBinaryIsSet());
  testing::TempDir tmp;
  const std::string run = tmp.Join("lab/EQ/P1/Runs/Run_1");
  const std::string nas = tmp.Join("nas/EQ/P1/Runs/Run_1");
  WriteFile(run + "/meta.json", "{\"run\":1}\n");
  WriteFile(run + "/raw/frame 0001.bin", std::string(50'000, 'y'));
  const std::string config = tmp.Join("push.yaml");
  auto write_config = [&](bool cleanup) {
    WriteFile(config, "state_dir: " + tmp.Join("state") + "\nequipment:\n  - id: EQ\n" +
                          "    local_root: " + tmp.Join("lab") + "\n" +
                          "    transport: {type: rclone, rclone_remote: nas, "
                          "rclone_remote_path: " +
                          tmp.Join("nas") + "}\n" +
                          "nas_cleanup: {enabled: " + (cleanup ? "true" : "false") +
                          ", min_verify_passes: 1, min_age_hours: 0}\n");
  };
  auto ferry = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {testing::FerryBinary(), "push"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--config");
    argv.push_back(config);
    testing::RunOptions o;
    o.env_add = {"RCLONE_CONFIG=/dev/null", "RCLONE_CONFIG_NAS_TYPE=local"};
    o.timeout = std::chrono::seconds(120);
    return testing::RunCommand(argv, o);
  };
  write_config(/*cleanup=*/false);
  testing::CommandResult e = ferry({"enqueue", run});
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(e.out, "job 1 queued: " + run + " -> nas:" + nas + "\n");
  testing::CommandResult w = ferry({"worker", "--once"});
  ASSERT_EQ(w.exit_code, 0) << w.err;
  testing::CommandResult status = ferry({"status", run, "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  nlohmann::json job = nlohmann::json::parse(status.out);
  EXPECT_EQ(job["state"], "verified") << job.dump();
  EXPECT_EQ(ReadFile(nas + "/raw/frame 0001.bin"), std::string(50'000, 'y'));
  EXPECT_EQ(ReadFile(nas + "/.ferry/checksums.sha256"), ReadFile(run + "/.ferry/checksums.sha256"));

  WriteFile(nas + "/meta.json", "{\"run\":2}\n");  // same size, one byte different
  testing::CommandResult bad = ferry({"verify", run});
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  EXPECT_NE((bad.out + bad.err).find("meta.json"), std::string::npos) << bad.out << bad.err;

  WriteFile(nas + "/meta.json", "{\"run\":1}\n");
  write_config(/*cleanup=*/true);
  testing::CommandResult clean = ferry({"worker", "--once"});
  ASSERT_EQ(clean.exit_code, 0) << clean.err;
  status = ferry({"status", run, "--json"});
  job = nlohmann::json::parse(status.out);
  EXPECT_EQ(job["state"], "cleaned") << job.dump();
  EXPECT_FALSE(fs::exists(run + "/meta.json"));
  EXPECT_EQ(ReadFile(nas + "/meta.json"), "{\"run\":1}\n");
}

}  // namespace
}  // namespace ferry
