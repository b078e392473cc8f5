// PosixCommandRunner: CommandRunner over posix_spawn, pipes and poll().
//
// Shape of one Run():
//   resolve argv[0] on PATH (so "not installed" is a clean kNotFound, not a child that dies
//   with 127) -> pipes (O_CLOEXEC) -> posix_spawn into a new process group -> one poll() loop
//   that feeds stdin, drains stdout and stderr, watches the clock and the cancel flag, and
//   notices the child's exit -> reap.
//
// Why the child is only reaped at the very end: until waitpid() reaps it, the kernel keeps its
// pid (which is also the process group id) reserved, so kill(-pgid, ...) can never hit an
// unrelated group that happens to reuse the number. Exit is detected with
// waitid(WNOWAIT), which looks without reaping.
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "ferry/command_runner.h"

extern char** environ;

namespace ferry {
namespace {

constexpr int64_t kPollTickMs = 50;  // the longest we go without looking at cancel/exit
// After the main child exits we kill its stragglers and read what is left in the pipes; a
// process that left the group (setsid) while holding our pipe could keep it open forever, so
// stop reading after this long.
constexpr int64_t kDrainAfterExitMs = 2000;
constexpr size_t kReadChunk = 64 * 1024;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string ErrnoText(int err) { return std::strerror(err); }

// Owns one file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }
  int get() const { return fd_; }
  bool open() const { return fd_ >= 0; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  void Reset(int fd) {
    Close();
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read_end;
  Fd write_end;
};

Status MakePipe(const std::string& program, Pipe* p) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    const int err = errno;
    return Status::IoError("cannot run '" + program + "': pipe: " + ErrnoText(err) +
                               "; close some files or raise the open-file limit",
                           /*retryable=*/true);
  }
  p->read_end.Reset(fds[0]);
  p->write_end.Reset(fds[1]);
  return Status::OK();
}

// The spawned child. Its destructor makes sure nothing of the group is left running, whatever
// path (error return, exception) leaves Run().
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (reaped_) return;
    ::kill(-pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }

  pid_t pid() const { return pid_; }
  void SignalGroup(int sig) { ::kill(-pid_, sig); }

  // True once the child has exited; it stays a zombie (not reaped) so its pgid stays ours.
  bool HasExited() {
    siginfo_t info;
    std::memset(&info, 0, sizeof(info));
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
      return errno == ECHILD;  // someone else reaped it (a SIGCHLD handler): treat as gone
    }
    return info.si_pid != 0;
  }

  // Reaps the child; returns the wait status (0 if it was reaped behind our back).
  int Reap() {
    int status = 0;
    pid_t r;
    while ((r = ::waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    return r == pid_ ? status : 0;
  }

 private:
  pid_t pid_;
  bool reaped_ = false;
};

// Blocks SIGPIPE in this thread while we write to the child's stdin, and swallows the SIGPIPE a
// write to an exited child raises, so that a child that stops reading cannot kill ferry
// (the write returns EPIPE instead).
class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock() {
    sigemptyset(&pipe_set_);
    sigaddset(&pipe_set_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set_, &old_mask_);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~ScopedSigpipeBlock() {
    if (!was_pending_) {
      sigset_t pending;
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        const timespec zero = {0, 0};
        while (sigtimedwait(&pipe_set_, nullptr, &zero) < 0 && errno == EINTR) {
        }
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  ScopedSigpipeBlock(const ScopedSigpipeBlock&) = delete;
  ScopedSigpipeBlock& operator=(const ScopedSigpipeBlock&) = delete;

 private:
  sigset_t pipe_set_;
  sigset_t old_mask_;
  bool was_pending_ = false;
};

// RAII for the posix_spawn attribute objects.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

bool IsExecutableFile(const std::string& path, bool* exists) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    *exists = false;
    return false;
  }
  *exists = true;
  return S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// Finds argv[0] the way execvp would, so a missing program is reported before anything starts.
Result<std::string> ResolveProgram(const CommandSpec& spec) {
  const std::string& program = spec.argv[0];
  auto not_executable = [&](const std::string& path) {
    return Status::PermissionDenied("cannot run '" + program + "': " + path +
                                    " is not an executable file; chmod +x it or fix the path");
  };
  bool exists = false;
  if (program.find('/') != std::string::npos) {
    // A relative path is resolved by exec after the chdir into working_dir.
    std::string path = program;
    if (program[0] != '/' && !spec.working_dir.empty()) path = spec.working_dir + "/" + program;
    if (IsExecutableFile(path, &exists)) return program;
    if (!exists) return ProgramNotFoundError(program);
    return not_executable(path);
  }
  std::optional<std::string> path_var;
  for (const auto& [key, value] : spec.env_overrides) {
    if (key == "PATH") path_var = value;
  }
  if (!path_var) {
    const char* p = std::getenv("PATH");
    path_var = p != nullptr ? p : "/usr/local/bin:/usr/bin:/bin";
  }
  std::string first_not_executable;
  size_t start = 0;
  while (start <= path_var->size()) {
    size_t end = path_var->find(':', start);
    if (end == std::string::npos) end = path_var->size();
    std::string dir = path_var->substr(start, end - start);
    if (dir.empty()) dir = ".";  // an empty PATH element means the current directory
    const std::string candidate = dir + "/" + program;
    if (IsExecutableFile(candidate, &exists)) return candidate;
    if (exists && first_not_executable.empty()) first_not_executable = candidate;
    start = end + 1;
  }
  if (!first_not_executable.empty()) return not_executable(first_not_executable);
  return ProgramNotFoundError(program);
}

std::vector<std::string> BuildEnvironment(const CommandSpec& spec) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry = *e;
    const std::string key = entry.substr(0, entry.find('='));
    const bool overridden = std::any_of(spec.env_overrides.begin(), spec.env_overrides.end(),
                                        [&](const auto& kv) { return kv.first == key; });
    if (!overridden) env.push_back(std::move(entry));
  }
  for (const auto& [key, value] : spec.env_overrides) env.push_back(key + "=" + value);
  return env;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// One captured stream: keeps up to `cap` bytes and counts the rest.
struct Capture {
  std::string* text;
  uint64_t cap;
  uint64_t dropped = 0;

  void Append(const char* data, size_t n) {
    const uint64_t room = text->size() < cap ? cap - text->size() : 0;
    const size_t take = static_cast<size_t>(std::min<uint64_t>(room, n));
    text->append(data, take);
    dropped += n - take;
  }
  bool Finish() {
    if (dropped == 0) return false;
    *text += "\n[ferry: output truncated at " + std::to_string(cap) + " bytes; " +
             std::to_string(dropped) + " more bytes dropped]\n";
    return true;
  }
};

// Reads what is available; closes the fd at EOF or on error.
void DrainSome(Fd* fd, Capture* capture) {
  char buf[kReadChunk];
  for (;;) {
    const ssize_t n = ::read(fd->get(), buf, sizeof(buf));
    if (n > 0) {
      capture->Append(buf, static_cast<size_t>(n));
      if (static_cast<size_t>(n) < sizeof(buf)) return;  // probably empty now; poll again
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    fd->Close();  // EOF, or an error we cannot do anything about: the stream is over
    return;
  }
}

// glibc 2.36's <sys/pidfd.h> lacks extern "C", so call the system call directly. Returns -1
// where pidfds do not exist (kernels before 5.3, seccomp filters); pidfds are always CLOEXEC.
int OpenPidFd(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  return -1;
#endif
}

void SetNonBlocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

class PosixCommandRunner final : public CommandRunner {
 public:
  Result<CommandResult> Run(const CommandSpec& spec, const std::atomic<bool>* cancel) override;
};

Result<CommandResult> PosixCommandRunner::Run(const CommandSpec& spec,
                                              const std::atomic<bool>* cancel) {
  if (spec.argv.empty() || spec.argv[0].empty()) {
    return Status::InvalidArgument("cannot run a command with an empty argv; this is a bug");
  }
  const std::string& program = spec.argv[0];
  CommandResult result;
  if (cancel != nullptr && cancel->load()) {
    result.cancelled = true;
    return result;
  }
  if (!spec.working_dir.empty()) {
    struct stat st;
    if (::stat(spec.working_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return Status::NotFound("cannot run '" + program + "' in '" + spec.working_dir +
                              "': working directory does not exist; create it or fix the path");
    }
  }
  FERRY_ASSIGN_OR_RETURN(std::string resolved, ResolveProgram(spec));

  Pipe in, out, err;
  if (!spec.stdin_data.empty()) FERRY_RETURN_IF_ERROR(MakePipe(program, &in));
  FERRY_RETURN_IF_ERROR(MakePipe(program, &out));
  FERRY_RETURN_IF_ERROR(MakePipe(program, &err));

  SpawnSetup setup;
  if (in.read_end.open()) {
    posix_spawn_file_actions_adddup2(&setup.actions, in.read_end.get(), 0);
  } else {
    posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&setup.actions, out.write_end.get(), 1);
  posix_spawn_file_actions_adddup2(&setup.actions, err.write_end.get(), 2);
  // Our descriptors are O_CLOEXEC, but a library or another thread may have opened one
  // without it; the child gets exactly 0, 1 and 2.
  posix_spawn_file_actions_addclosefrom_np(&setup.actions, 3);
  if (!spec.working_dir.empty()) {
    posix_spawn_file_actions_addchdir_np(&setup.actions, spec.working_dir.c_str());
  }
  // Own process group (so a timeout reaches grandchildren), no blocked signals, and default
  // dispositions for the signals a parent commonly ignores or handles (ignored signals would
  // otherwise survive exec: rsync with SIGPIPE ignored behaves differently).
  posix_spawnattr_setflags(&setup.attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&setup.attr, 0);
  sigset_t empty_mask;
  sigemptyset(&empty_mask);
  posix_spawnattr_setsigmask(&setup.attr, &empty_mask);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM,
                  SIGXFSZ, SIGTSTP, SIGTTIN, SIGTTOU}) {
    sigaddset(&defaults, sig);
  }
  posix_spawnattr_setsigdefault(&setup.attr, &defaults);

  std::vector<std::string> argv_copy = spec.argv;
  std::vector<char*> argv_c = CStrings(argv_copy);
  std::vector<std::string> env = BuildEnvironment(spec);
  std::vector<char*> env_c = CStrings(env);

  const int64_t start_ms = NowMs();
  pid_t pid = -1;
  const int spawn_err = ::posix_spawn(&pid, resolved.c_str(), &setup.actions, &setup.attr,
                                      argv_c.data(), env_c.data());
  if (spawn_err != 0) {
    if (spawn_err == ENOENT) return ProgramNotFoundError(program);
    if (spawn_err == EACCES) {
      return Status::PermissionDenied("cannot run '" + program + "': " + ErrnoText(spawn_err) +
                                      "; check the file's permissions");
    }
    return Status::IoError("cannot run '" + program + "': " + ErrnoText(spawn_err),
                           /*retryable=*/spawn_err == EAGAIN || spawn_err == ENOMEM);
  }
  Child child(pid);
  // Readable when the child exits, so poll() wakes at once even when the pipes closed first.
  // Where pidfds are unavailable (old kernel, seccomp), the loop polls for the exit instead.
  Fd exit_fd(OpenPidFd(pid));
  int64_t exit_poll_ms = 1;
  // The child holds its own copies now; closing ours is what lets EOF reach each side.
  in.read_end.Close();
  out.write_end.Close();
  err.write_end.Close();

  Capture out_capture{&result.stdout_text, spec.max_output_bytes};
  Capture err_capture{&result.stderr_text, spec.max_output_bytes};
  SetNonBlocking(out.read_end.get());
  SetNonBlocking(err.read_end.get());
  size_t stdin_offset = 0;
  if (in.write_end.open()) SetNonBlocking(in.write_end.get());

  enum class Phase { kRunning, kTerminating, kKilled };
  Phase phase = Phase::kRunning;
  int64_t kill_at_ms = 0;
  const int64_t deadline_ms = spec.timeout_ms > 0 ? start_ms + spec.timeout_ms : 0;
  bool exited = false;
  int64_t exited_at_ms = 0;

  for (;;) {
    const int64_t now = NowMs();
    if (!exited && child.HasExited()) {
      exited = true;
      exited_at_ms = now;
      // Whatever is left of the group outlived the program we ran: nobody waits for it.
      child.SignalGroup(SIGKILL);
      in.write_end.Close();
    }
    if (exited && !out.read_end.open() && !err.read_end.open()) break;
    if (exited && now - exited_at_ms >= kDrainAfterExitMs) break;

    if (!exited) {
      if (phase == Phase::kRunning) {
        const bool cancel_now = cancel != nullptr && cancel->load();
        const bool timeout_now = deadline_ms != 0 && now >= deadline_ms;
        if (cancel_now || timeout_now) {
          result.cancelled = cancel_now;
          result.timed_out = !cancel_now;
          child.SignalGroup(SIGTERM);
          phase = Phase::kTerminating;
          kill_at_ms = now + std::max<int64_t>(spec.kill_grace_ms, 0);
        }
      }
      if (phase == Phase::kTerminating && now >= kill_at_ms) {
        child.SignalGroup(SIGKILL);
        phase = Phase::kKilled;
      }
    }

    int64_t wait_ms = kPollTickMs;
    if (!exited && !exit_fd.open() && !out.read_end.open() && !err.read_end.open()) {
      // No pidfd and nothing to read: the child is most likely exiting right now.
      wait_ms = exit_poll_ms;
      exit_poll_ms = std::min(exit_poll_ms * 2, kPollTickMs);
    }
    if (phase == Phase::kRunning && deadline_ms != 0)
      wait_ms = std::min(wait_ms, deadline_ms - now);
    if (phase == Phase::kTerminating) wait_ms = std::min(wait_ms, kill_at_ms - now);
    wait_ms = std::max<int64_t>(wait_ms, 0);

    pollfd fds[4];
    nfds_t nfds = 0;
    int out_idx = -1, err_idx = -1, in_idx = -1;
    if (out.read_end.open()) {
      out_idx = static_cast<int>(nfds);
      fds[nfds++] = {out.read_end.get(), POLLIN, 0};
    }
    if (err.read_end.open()) {
      err_idx = static_cast<int>(nfds);
      fds[nfds++] = {err.read_end.get(), POLLIN, 0};
    }
    if (in.write_end.open()) {
      in_idx = static_cast<int>(nfds);
      fds[nfds++] = {in.write_end.get(), POLLOUT, 0};
    }
    if (!exited && exit_fd.open()) fds[nfds++] = {exit_fd.get(), POLLIN, 0};
    const int ready = ::poll(nfds > 0 ? fds : nullptr, nfds, static_cast<int>(wait_ms));
    if (ready < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      return Status::IoError("cannot run '" + program + "': poll: " + ErrnoText(e));
    }
    if (ready == 0) continue;
    if (out_idx >= 0 && fds[out_idx].revents != 0) DrainSome(&out.read_end, &out_capture);
    if (err_idx >= 0 && fds[err_idx].revents != 0) DrainSome(&err.read_end, &err_capture);
    if (in_idx >= 0 && fds[in_idx].revents != 0) {
      if ((fds[in_idx].revents & (POLLERR | POLLHUP)) != 0) {
        in.write_end.Close();  // the child closed its stdin: it wants no more
      } else {
        ScopedSigpipeBlock no_sigpipe;
        const size_t left = spec.stdin_data.size() - stdin_offset;
        const ssize_t n = ::write(in.write_end.get(), spec.stdin_data.data() + stdin_offset,
                                  std::min(left, kReadChunk));
        if (n > 0) stdin_offset += static_cast<size_t>(n);
        const bool retry = n < 0 && (errno == EAGAIN || errno == EINTR);
        if ((n < 0 && !retry) || stdin_offset == spec.stdin_data.size()) in.write_end.Close();
      }
    }
  }

  const int status = child.Reap();
  result.duration_ms = NowMs() - start_ms;
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.term_signal = WTERMSIG(status);
  }
  const bool out_cut = out_capture.Finish();
  const bool err_cut = err_capture.Finish();
  result.output_truncated = out_cut || err_cut;
  return result;
}

}  // namespace

std::unique_ptr<CommandRunner> NewPosixCommandRunner() {
  return std::make_unique<PosixCommandRunner>();
}

}  // namespace ferry
