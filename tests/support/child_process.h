// ChildProcess: one program started for a test, that the test can always get back. Every wait
// has a deadline, and a child still running at the deadline (or when the object is destroyed)
// is killed with SIGKILL and reaped, so a hung `ferry` fails its test instead of hanging the
// suite. The wait is on the process itself (a pidfd the kernel marks readable at exit), not a
// polling loop.
//
// Thread-safety: one thread drives a ChildProcess; Signal() may be called from any thread.
#ifndef FERRY_TESTS_SUPPORT_CHILD_PROCESS_H_
#define FERRY_TESTS_SUPPORT_CHILD_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace ferry::testing {

struct SpawnOptions {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH when it has no '/'
  // The child's environment: the test's, without the variables named here, plus env_add.
  std::vector<std::string> env_unset;  // names, e.g. "FERRY_TOKEN"
  std::vector<std::string> env_add;    // "NAME=value"
  std::string cwd;                     // empty: the test's working directory
  // Where fd 0 / 1 / 2 come from or go to: a path (opened for reading / truncated for
  // writing), or, for stdout and stderr, an fd of the test's (e.g. a pipe's write end) that
  // the child gets a copy of.
  std::string stdin_path = "/dev/null";
  std::string stdout_path = "/dev/null";
  std::string stderr_path = "/dev/null";
  int stdout_fd = -1;  // used instead of stdout_path when >= 0
  int stderr_fd = -1;  // used instead of stderr_path when >= 0
};

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();  // Kill()s a child still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts the program; false with `error` set (what could not be started and why) else.
  bool Start(const SpawnOptions& options, std::string* error);

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  // Sends `sig` to a running child.
  void Signal(int sig);

  // Waits until the child exits or `timeout` passes; at the deadline it is killed
  // (SIGKILL) and reaped, and `timed_out` (when given) says so. Returns the exit code, or
  // 128 + the signal that ended it (a shell's convention); the last one again if already
  // reaped, -1 if never started.
  int Wait(std::chrono::milliseconds timeout, bool* timed_out = nullptr);

  // SIGKILL and reap. Idempotent.
  void Kill();

  int exit_code() const { return exit_code_; }

 private:
  void Reap();

  pid_t pid_ = -1;
  int pidfd_ = -1;
  int exit_code_ = -1;
};

// For a child the test fork()ed itself: waits until it exits or `timeout` passes, then
// SIGKILLs and reaps it. Returns its exit code (128 + signal when a signal ended it, -1 when
// `pid` is not a child); `timed_out` (when given) says whether the deadline was hit.
int WaitForChild(pid_t pid, std::chrono::milliseconds timeout, bool* timed_out = nullptr);

// For any process, child or not (e.g. a grandchild a test expects to have been killed):
// true once it has exited, false if it is still running after `timeout`. Waits on the
// process (a pidfd), not by polling.
bool WaitUntilProcessGone(pid_t pid, std::chrono::milliseconds timeout);

}  // namespace ferry::testing

#endif  // FERRY_TESTS_SUPPORT_CHILD_PROCESS_H_
