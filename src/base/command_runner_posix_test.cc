// PosixCommandRunner against real programs (/bin/sh, cat, sleep) in a temp dir.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ferry/command_runner.h"
#include "support/child_process.h"
#include "support/temp_dir.h"

namespace ferry {
namespace {

// /proc/<pid>/stat fields after the command name: state, ppid, pgrp.
struct ProcStat {
  bool exists = false;
  char state = '?';
  pid_t pgrp = 0;
};

ProcStat ReadProcStat(pid_t pid) {
  ProcStat st;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return st;
  const size_t paren = text.rfind(')');
  if (paren == std::string::npos) return st;
  std::istringstream rest(text.substr(paren + 2));
  pid_t ppid = 0;
  rest >> st.state >> ppid >> st.pgrp;
  st.exists = true;
  return st;
}

std::vector<pid_t> LiveMembersOfGroup(pid_t pgid) {
  std::vector<pid_t> members;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = std::stoi(name);
    const ProcStat st = ReadProcStat(pid);
    if (st.exists && st.pgrp == pgid && st.state != 'Z' && st.state != 'X') members.push_back(pid);
  }
  return members;
}

// Waits (10 s at most) for `pid` to die: it was killed, so this is the kernel finishing. A
// zombie counts as dead (whether its parent, maybe a container's pid 1, reaps it is not ours).
// Waits on the process itself (support/child_process.h), not by polling.
bool WaitUntilDead(pid_t pid) {
  return testing::WaitUntilProcessGone(pid, std::chrono::seconds(10));
}

std::vector<pid_t> ParsePids(const std::string& text) {
  std::vector<pid_t> pids;
  std::istringstream in(text);
  pid_t pid;
  while (in >> pid) pids.push_back(pid);
  return pids;
}

CommandSpec Cmd(std::vector<std::string> argv) {
  CommandSpec spec;
  spec.argv = std::move(argv);
  return spec;
}

class PosixCommandRunnerTest : public ::testing::Test {
 protected:
  CommandResult MustRun(const CommandSpec& spec, const std::atomic<bool>* cancel = nullptr) {
    Result<CommandResult> r = runner_->Run(spec, cancel);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : CommandResult{};
  }
  static CommandSpec Sh(const std::string& script) { return Cmd({"/bin/sh", "-c", script}); }

  std::unique_ptr<CommandRunner> runner_ = NewPosixCommandRunner();
  testing::TempDir tmp_;
};

TEST_F(PosixCommandRunnerTest, ReportsExitCodeAndBothStreams) {
  CommandResult r = MustRun(Sh("echo out; echo err >&2; exit 3"));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.term_signal, 0);
  EXPECT_FALSE(r.timed_out);
  EXPECT_FALSE(r.cancelled);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.stdout_text, "out\n");
  EXPECT_EQ(r.stderr_text, "err\n");
}

TEST_F(PosixCommandRunnerTest, ZeroExitIsOk) {
  CommandResult r = MustRun(Cmd({"true"}));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(r.ok());
}

TEST_F(PosixCommandRunnerTest, DeathBySignalIsReportedAsTheSignal) {
  CommandResult r = MustRun(Sh("kill -9 $$"));
  EXPECT_EQ(r.term_signal, SIGKILL);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_FALSE(r.ok());
}

TEST_F(PosixCommandRunnerTest, StdinDataReachesTheChild) {
  CommandSpec spec = Cmd({"cat"});
  spec.stdin_data = "hello\nworld";
  EXPECT_EQ(MustRun(spec).stdout_text, "hello\nworld");
}

TEST_F(PosixCommandRunnerTest, EmptyStdinIsEndOfFileNotOurTerminal) {
  CommandResult r = MustRun(Cmd({"cat"}));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_text, "");
}

TEST_F(PosixCommandRunnerTest, BigStdinAndBigStdoutAtOnceDoNotDeadlock) {
  CommandSpec spec = Cmd({"cat"});
  spec.stdin_data.assign(6 << 20, 'x');
  for (size_t i = 0; i < spec.stdin_data.size(); i += 4096) spec.stdin_data[i] = '\n';
  CommandResult r = MustRun(spec);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(r.stdout_text == spec.stdin_data) << "stdout differs, size " << r.stdout_text.size();
}

TEST_F(PosixCommandRunnerTest, ChildThatIgnoresStdinDoesNotKillUsWithSigpipe) {
  CommandSpec spec = Cmd({"true"});
  spec.stdin_data.assign(4 << 20, 'x');
  CommandResult r = MustRun(spec);
  EXPECT_EQ(r.exit_code, 0);
}

TEST_F(PosixCommandRunnerTest, FiveMiBOnEachStreamDoNotDeadlock) {
  CommandResult r = MustRun(Sh("head -c 5242880 /dev/zero; head -c 5242880 /dev/zero >&2"));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_text.size(), 5242880u);
  EXPECT_EQ(r.stderr_text.size(), 5242880u);
  EXPECT_FALSE(r.output_truncated);
}

TEST_F(PosixCommandRunnerTest, OutputBeyondTheCapIsDrainedAndDroppedWithANote) {
  CommandSpec spec = Sh("head -c 100000 /dev/zero | tr '\\0' a; echo done >&2");
  spec.max_output_bytes = 1000;
  CommandResult r = MustRun(spec);
  EXPECT_EQ(r.exit_code, 0) << "the child must not block on a full pipe";
  EXPECT_TRUE(r.output_truncated);
  EXPECT_EQ(r.stdout_text,
            std::string(1000, 'a') +
                "\n[ferry: output truncated at 1000 bytes; 99000 more bytes dropped]\n");
  EXPECT_EQ(r.stderr_text, "done\n");
}

TEST_F(PosixCommandRunnerTest, TimeoutKillsTheChildAndItsGrandchildren) {
  // The shell prints its pid (= the group id) and its background sleep's pid, then waits.
  CommandSpec spec = Sh("echo $$; sleep 30 & echo $!; sleep 30");
  spec.timeout_ms = 300;
  // Killed, not finished: the signal says so, whatever the clock says.
  CommandResult r = MustRun(spec);
  EXPECT_GE(r.duration_ms, 300);
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.cancelled);
  EXPECT_EQ(r.term_signal, SIGTERM);
  EXPECT_FALSE(r.ok());
  const std::vector<pid_t> pids = ParsePids(r.stdout_text);
  ASSERT_EQ(pids.size(), 2u) << r.stdout_text;
  EXPECT_TRUE(WaitUntilDead(pids[1])) << "background sleep " << pids[1] << " survived";
  EXPECT_EQ(LiveMembersOfGroup(pids[0]), std::vector<pid_t>{});
}

TEST_F(PosixCommandRunnerTest, ChildIgnoringSigtermIsKilledAfterTheGracePeriod) {
  // The shell says its pid only once its trap is set. On a loaded machine the timeout can
  // fire before the shell got that far (it then dies of the TERM, having printed nothing):
  // that run tests nothing, so it is run again with a longer timeout. Every run that got as
  // far as the trap must end as asserted below.
  CommandSpec spec = Sh("trap '' TERM; echo $$; sleep 30");
  spec.kill_grace_ms = 300;
  CommandResult r;
  for (int64_t timeout_ms = 200; timeout_ms <= 6400; timeout_ms *= 2) {
    spec.timeout_ms = timeout_ms;
    r = MustRun(spec);
    if (!r.stdout_text.empty()) break;
  }
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.term_signal, SIGKILL);
  EXPECT_GE(r.duration_ms, 500);
  const std::vector<pid_t> pids = ParsePids(r.stdout_text);
  ASSERT_EQ(pids.size(), 1u);
  EXPECT_EQ(LiveMembersOfGroup(pids[0]), std::vector<pid_t>{});
}

TEST_F(PosixCommandRunnerTest, CancelFlagStopsARunningCommand) {
  // The child says it is running by writing to a FIFO; the canceller waits for that (10 s at
  // most: the test fails if it never starts), then cancels.
  const std::string started = tmp_.Join("started");
  ASSERT_EQ(mkfifo(started.c_str(), 0600), 0);
  std::atomic<bool> cancel{false};
  std::atomic<bool> saw_start{false};
  std::thread canceller([&] {
    const int fd = open(started.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    pollfd p = {fd, POLLIN, 0};
    saw_start = fd >= 0 && poll(&p, 1, 10'000) == 1;
    if (fd >= 0) close(fd);
    cancel = true;
  });
  CommandResult r = MustRun(Sh("sleep 3000 & echo $!; echo up > '" + started + "'; wait"), &cancel);
  canceller.join();
  EXPECT_TRUE(saw_start);
  EXPECT_TRUE(r.cancelled);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.term_signal, SIGTERM);
  const std::vector<pid_t> pids = ParsePids(r.stdout_text);
  ASSERT_EQ(pids.size(), 1u) << r.stdout_text;
  EXPECT_TRUE(WaitUntilDead(pids[0])) << "background sleep " << pids[0] << " survived";
}

TEST_F(PosixCommandRunnerTest, AlreadyCancelledStartsNothing) {
  const std::string marker = tmp_.Join("ran");
  std::atomic<bool> cancel{true};
  CommandResult r = MustRun(Cmd({"touch", marker}), &cancel);
  EXPECT_TRUE(r.cancelled);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(access(marker.c_str(), F_OK), 0);
}

TEST_F(PosixCommandRunnerTest, StragglerHoldingThePipeIsKilledWhenTheProgramExits) {
  // The shell exits at once; its background sleep still holds stdout open. A runner that
  // waited for the pipe's end would wait 3000 s, so it fails by the test's timeout, not by a
  // clock compared here.
  CommandResult r = MustRun(Sh("sleep 3000 & echo $!"));
  EXPECT_EQ(r.exit_code, 0);
  const std::vector<pid_t> pids = ParsePids(r.stdout_text);
  ASSERT_EQ(pids.size(), 1u) << r.stdout_text;
  EXPECT_TRUE(WaitUntilDead(pids[0]));
}

TEST_F(PosixCommandRunnerTest, EnvOverridesAddAndReplaceVariables) {
  CommandSpec spec = Sh("printf '%s|%s' \"$FERRY_TEST_VAR\" \"$HOME\"");
  spec.env_overrides = {{"FERRY_TEST_VAR", "hello world"}, {"HOME", "/nowhere"}};
  EXPECT_EQ(MustRun(spec).stdout_text, "hello world|/nowhere");
}

TEST_F(PosixCommandRunnerTest, PathOverrideIsUsedToFindTheProgram) {
  const std::string tool = tmp_.Join("ferry-test-tool");
  {
    std::ofstream out(tool);
    out << "#!/bin/sh\necho from-tool\n";
  }
  ASSERT_EQ(chmod(tool.c_str(), 0755), 0);
  CommandSpec spec = Cmd({"ferry-test-tool"});
  spec.env_overrides = {{"PATH", tmp_.path() + ":/usr/bin:/bin"}};
  EXPECT_EQ(MustRun(spec).stdout_text, "from-tool\n");
}

TEST_F(PosixCommandRunnerTest, RunsInTheWorkingDirectory) {
  CommandSpec spec = Cmd({"pwd"});
  spec.working_dir = tmp_.path();
  EXPECT_EQ(MustRun(spec).stdout_text, std::filesystem::canonical(tmp_.path()).string() + "\n");
}

TEST_F(PosixCommandRunnerTest, OnlyStandardDescriptorsReachTheChild) {
  // Opened without O_CLOEXEC on purpose, as a careless library might.
  const int leaky = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leaky, 3);
  CommandResult r = MustRun(Sh("ls /proc/$$/fd"));
  ::close(leaky);
  EXPECT_EQ(r.stdout_text, "0\n1\n2\n");
}

TEST_F(PosixCommandRunnerTest, MissingProgramIsNotFoundWithAnInstallHint) {
  CommandSpec spec = Cmd({"rsync", "-a", "x", "y"});
  spec.env_overrides = {{"PATH", tmp_.path()}};  // an empty directory: no rsync on this PATH
  Result<CommandResult> r = runner_->Run(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsNotFound());
  EXPECT_EQ(r.status().message(),
            "cannot run 'rsync': not found on PATH; install it with apt-get install rsync");
}

TEST_F(PosixCommandRunnerTest, MissingProgramPathIsNotFound) {
  Result<CommandResult> r = runner_->Run(Cmd({tmp_.Join("nope/rclone")}));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsNotFound());
  EXPECT_EQ(r.status().message(), "cannot run '" + tmp_.Join("nope/rclone") +
                                      "': no such file; install rclone there or fix the path");
}

TEST_F(PosixCommandRunnerTest, NonExecutableFileIsPermissionDenied) {
  const std::string tool = tmp_.Join("not-executable");
  { std::ofstream(tool) << "#!/bin/sh\n"; }
  ASSERT_EQ(chmod(tool.c_str(), 0644), 0);
  Result<CommandResult> r = runner_->Run(Cmd({tool}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(r.status().message(), "cannot run '" + tool + "': " + tool +
                                      " is not an executable file; chmod +x it or fix the path");
}

TEST_F(PosixCommandRunnerTest, MissingWorkingDirectoryIsNotFound) {
  CommandSpec spec = Cmd({"pwd"});
  spec.working_dir = tmp_.Join("missing");
  Result<CommandResult> r = runner_->Run(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsNotFound());
  EXPECT_EQ(r.status().message(),
            "cannot run 'pwd' in '" + spec.working_dir +
                "': working directory does not exist; create it or fix the path");
}

TEST_F(PosixCommandRunnerTest, EmptyArgvIsInvalid) {
  Result<CommandResult> r = runner_->Run(CommandSpec());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(PosixCommandRunnerTest, ConcurrentRunsKeepTheirOutputsApart) {
  constexpr int kThreads = 8;
  std::vector<std::string> outputs(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        Result<CommandResult> r =
            runner_->Run(Sh("head -c 200000 /dev/zero | tr '\\0' " + std::string(1, 'a' + t)));
        if (r.ok())
          outputs[t] += r->stdout_text.substr(0, 1) + std::to_string(r->stdout_text.size());
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    const std::string one = std::string(1, 'a' + t) + "200000";
    EXPECT_EQ(outputs[t], one + one + one + one + one);
  }
}

}  // namespace
}  // namespace ferry
