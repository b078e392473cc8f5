#include "support/serve_process.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include "support/ferry_binary.h"

namespace ferry::testing {

bool ServeProcess::Start(const std::vector<std::string>& args) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    err_.clear();
    eof_ = false;
    port_ = -1;
  }
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return false;
  SpawnOptions spawn;
  spawn.argv = {FerryBinary(), "serve"};
  spawn.argv.insert(spawn.argv.end(), args.begin(), args.end());
  spawn.stderr_fd = fds[1];
  std::string error;
  const bool started = child_.Start(spawn, &error);
  close(fds[1]);
  if (!started) {
    close(fds[0]);
    std::lock_guard<std::mutex> lock(mu_);
    err_ = error;
    return false;
  }
  reader_ = std::thread([this, fd = fds[0]] {
    char buf[4096];
    for (;;) {
      ssize_t n = read(fd, buf, sizeof(buf));
      if (n <= 0) break;
      std::lock_guard<std::mutex> lock(mu_);
      err_.append(buf, static_cast<size_t>(n));
      cv_.notify_all();
    }
    close(fd);
    std::lock_guard<std::mutex> lock(mu_);
    eof_ = true;
    cv_.notify_all();
  });
  const std::string marker = "ferry serve: listening on http";
  if (!WaitFor(marker, std::chrono::seconds(20))) return false;
  std::lock_guard<std::mutex> lock(mu_);
  size_t at = err_.find(marker);
  size_t colon = err_.find(':', err_.find("//", at) + 2);
  port_ = std::atoi(err_.c_str() + colon + 1);
  return port_ > 0;
}

bool ServeProcess::WaitFor(const std::string& text, std::chrono::milliseconds deadline) {
  return WaitForCount(text, 1, deadline);
}

bool ServeProcess::WaitForCount(const std::string& text, size_t n,
                                std::chrono::milliseconds deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, deadline, [&] { return CountLocked(text) >= n || eof_; }) &&
         CountLocked(text) >= n;
}

size_t ServeProcess::CountOf(const std::string& text) {
  std::lock_guard<std::mutex> lock(mu_);
  return CountLocked(text);
}

size_t ServeProcess::CountLocked(const std::string& text) const {
  size_t k = 0;
  for (size_t p = err_.find(text); p != std::string::npos; p = err_.find(text, p + 1)) ++k;
  return k;
}

int ServeProcess::Stop(int sig) {
  if (!child_.running()) return child_.exit_code();
  child_.Signal(sig);
  return Wait(std::chrono::seconds(30));
}

int ServeProcess::Wait(std::chrono::milliseconds deadline) {
  const int code = child_.Wait(deadline);
  JoinReader();
  return code;
}

void ServeProcess::Kill() {
  child_.Kill();
  JoinReader();
}

void ServeProcess::JoinReader() {
  // The pipe reaches EOF once the server (and anything it forked) has exited.
  if (reader_.joinable()) reader_.join();
}

std::string ServeProcess::stderr_text() {
  std::lock_guard<std::mutex> lock(mu_);
  return err_;
}

}  // namespace ferry::testing
