#include "support/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

extern char** environ;

namespace ferry::testing {
namespace {

bool IsUnset(const std::string& entry, const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    if (entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 &&
        entry[name.size()] == '=') {
      return true;
    }
  }
  return false;
}

// Waits until `pidfd` is readable (its process exited) or `timeout` passes; true if it exited.
bool PollExit(int pidfd, std::chrono::milliseconds timeout) {
  pollfd p = {pidfd, POLLIN, 0};
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    const int n = poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 0)));
    if (n > 0) return true;
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

int OpenPidfd(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

int ReapNow(pid_t pid) {
  int status = 0;
  pid_t r;
  while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
  }
  if (r < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

int WaitForChild(pid_t pid, std::chrono::milliseconds timeout, bool* timed_out) {
  if (timed_out != nullptr) *timed_out = false;
  const int pidfd = OpenPidfd(pid);
  if (pidfd >= 0) {
    if (!PollExit(pidfd, timeout)) {
      if (timed_out != nullptr) *timed_out = true;
      kill(pid, SIGKILL);
    }
    close(pidfd);
  }
  return ReapNow(pid);
}

bool WaitUntilProcessGone(pid_t pid, std::chrono::milliseconds timeout) {
  const int pidfd = OpenPidfd(pid);
  if (pidfd < 0) return errno == ESRCH;  // no such process: gone already
  const bool gone = PollExit(pidfd, timeout);
  close(pidfd);
  return gone;
}

ChildProcess::~ChildProcess() { Kill(); }

bool ChildProcess::Start(const SpawnOptions& options, std::string* error) {
  if (pid_ > 0 || options.argv.empty()) {
    *error = pid_ > 0 ? "a child is already running" : "no program to start";
    return false;
  }
  std::vector<std::string> env_store;
  for (char** e = environ; *e != nullptr; ++e) {
    if (!IsUnset(*e, options.env_unset)) env_store.push_back(*e);
  }
  env_store.insert(env_store.end(), options.env_add.begin(), options.env_add.end());
  std::vector<char*> envp;
  for (std::string& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = options.argv;
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (!options.cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, options.cwd.c_str());
  posix_spawn_file_actions_addopen(&fa, 0, options.stdin_path.c_str(), O_RDONLY, 0);
  if (options.stdout_fd >= 0) {
    posix_spawn_file_actions_adddup2(&fa, options.stdout_fd, 1);
  } else {
    posix_spawn_file_actions_addopen(&fa, 1, options.stdout_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
  }
  if (options.stderr_fd >= 0) {
    posix_spawn_file_actions_adddup2(&fa, options.stderr_fd, 2);
  } else {
    posix_spawn_file_actions_addopen(&fa, 2, options.stderr_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
  }
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    *error = "cannot start " + options.argv[0] + ": " + std::strerror(rc);
    return false;
  }
  pid_ = pid;
  exit_code_ = -1;
  pidfd_ = OpenPidfd(pid_);
  if (pidfd_ < 0) {
    *error = std::string("pidfd_open: ") + std::strerror(errno);
    Kill();
    return false;
  }
  return true;
}

void ChildProcess::Signal(int sig) {
  if (pid_ > 0) kill(pid_, sig);
}

int ChildProcess::Wait(std::chrono::milliseconds timeout, bool* timed_out) {
  if (timed_out != nullptr) *timed_out = false;
  if (pid_ <= 0) return exit_code_;
  if (!PollExit(pidfd_, timeout)) {
    if (timed_out != nullptr) *timed_out = true;
    kill(pid_, SIGKILL);
  }
  Reap();
  return exit_code_;
}

void ChildProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  Reap();
}

void ChildProcess::Reap() {
  exit_code_ = ReapNow(pid_);
  pid_ = -1;
  if (pidfd_ >= 0) close(pidfd_);
  pidfd_ = -1;
}

}  // namespace ferry::testing
