// CommandRunner: the seam through which ferry runs external programs (rsync, ssh, rclone).
// Engines receive a CommandRunner* and never fork themselves, so the push engine runs against
// the real programs (NewPosixCommandRunner) and, in logic tests, against FakeCommandRunner
// (src/base/fake_command_runner.h), which records every CommandSpec and plays back scripted
// results.
//
// Contract shared by every implementation:
// - Run() returns an error Status only when the program could not be started at all (not on
//   PATH, not executable, working directory missing). Everything that happens after the start
//   (a non-zero exit, a signal, a timeout, a cancel) is a CommandResult: whether that is a
//   failure is the caller's decision (rsync's exit 24 "vanished files" may be fine).
// - The program is found on PATH as execvp would (the PATH of env_overrides if it sets one),
//   and is NOT run through a shell: argv elements are passed verbatim.
// - The child runs in its own process group. On timeout or cancel the whole group gets
//   SIGTERM, then SIGKILL after kill_grace_ms, so `ssh` started by `rsync -e ssh` dies too.
//   When Run() returns (or unwinds), no process of the group is left running: stragglers
//   that outlive the main child (a backgrounded grandchild) are killed as well.
// - stdout and stderr are captured separately, up to max_output_bytes each; the excess is
//   read and dropped (so the child never blocks on a full pipe) and a note saying how much
//   was dropped is appended to the text.
// - The child's stdin is stdin_data followed by EOF (/dev/null when stdin_data is empty).
// - No file descriptor of the caller leaks into the child besides 0, 1 and 2.
//
// Thread-safety: Run() may be called concurrently from many threads on one runner.
#ifndef FERRY_COMMAND_RUNNER_H_
#define FERRY_COMMAND_RUNNER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ferry/status.h"

namespace ferry {

struct CommandSpec {
  std::vector<std::string> argv;  // argv[0] is the program: a name looked up on PATH, or a path
  // Set (or replace) these variables in the child's environment, which is otherwise ours.
  std::vector<std::pair<std::string, std::string>> env_overrides;
  std::string working_dir;  // empty: ours
  std::string stdin_data;
  int64_t timeout_ms = 0;                // 0 = none; measured from the start of the child
  uint64_t max_output_bytes = 16 << 20;  // per stream
  // Between SIGTERM and SIGKILL on timeout or cancel.
  int64_t kill_grace_ms = 2000;
};

struct CommandResult {
  int exit_code = -1;             // the exit status when the child exited normally, else -1
  int term_signal = 0;            // the signal that killed it, else 0
  bool timed_out = false;         // killed because timeout_ms passed
  bool cancelled = false;         // killed (or never started) because *cancel became true
  bool output_truncated = false;  // stdout or stderr went past max_output_bytes
  std::string stdout_text;
  std::string stderr_text;
  int64_t duration_ms = 0;

  // Exited by itself with status 0.
  bool ok() const { return exit_code == 0 && term_signal == 0 && !timed_out && !cancelled; }
};

class CommandRunner {
 public:
  CommandRunner() = default;
  CommandRunner(const CommandRunner&) = delete;
  CommandRunner& operator=(const CommandRunner&) = delete;
  virtual ~CommandRunner();

  // Runs spec.argv to completion (or timeout, or cancel). `cancel` is polled while the child
  // runs (every 50 ms at most); when it is already true, nothing is started and the result
  // says cancelled. Errors: kInvalidArgument (empty argv), kNotFound (program or working
  // directory missing), kPermissionDenied (not executable), kIoError (pipes, spawn).
  virtual Result<CommandResult> Run(const CommandSpec& spec,
                                    const std::atomic<bool>* cancel = nullptr) = 0;
};

// The real runner: posix_spawn with pipes, poll(), process groups.
std::unique_ptr<CommandRunner> NewPosixCommandRunner();

// The kNotFound Status for a program that is not on PATH, shared by the real runner and the
// fake so that both say it word for word:
// "cannot run 'rsync': not found on PATH; install it with apt-get install rsync".
Status ProgramNotFoundError(std::string_view program);

// argv as one line a person can paste into a shell (each argument quoted when needed); for
// logs and error messages. Never used to run anything.
std::string DescribeCommand(const std::vector<std::string>& argv);

}  // namespace ferry

#endif  // FERRY_COMMAND_RUNNER_H_
