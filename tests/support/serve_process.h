// ServeProcess: the real `ferry serve` (FerryBinary()) on a free loopback port, for tests that
// talk to it over HTTP. Its stderr is read on a thread, so a test waits for a log line (a real
// signal, with a deadline) instead of sleeping; Stop() sends a signal and waits with a
// deadline, after which the server is killed. The destructor kills a server still running.
//
// Thread-safety: Start/Stop/Wait/Kill from the test's thread; WaitFor*, CountOf,
// stderr_text and Signal from any thread.
#ifndef FERRY_TESTS_SUPPORT_SERVE_PROCESS_H_
#define FERRY_TESTS_SUPPORT_SERVE_PROCESS_H_

#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/child_process.h"

namespace ferry::testing {

class ServeProcess {
 public:
  ServeProcess() = default;
  ~ServeProcess() { Kill(); }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  // Starts `ferry serve` with `args` (after "serve"); returns false if it exits or does not
  // print its listening line within 20 s (then exit_code() / stderr_text() tell why).
  bool Start(const std::vector<std::string>& args);

  // Waits until stderr contains `text` (from any time since start), or the deadline / EOF.
  bool WaitFor(const std::string& text, std::chrono::milliseconds deadline);
  // Waits until stderr contains `text` at least `n` times, or the deadline / EOF.
  bool WaitForCount(const std::string& text, size_t n, std::chrono::milliseconds deadline);
  // How often `text` is in stderr so far.
  size_t CountOf(const std::string& text);

  void Signal(int sig) { child_.Signal(sig); }

  // Sends `sig` and waits (at most 30 s, then SIGKILL); returns the exit code.
  int Stop(int sig = SIGTERM);
  // Waits for the server to exit by itself (SIGKILL at the deadline); returns the exit code.
  int Wait(std::chrono::milliseconds deadline);
  // SIGKILL, reap, and join the stderr reader. Idempotent.
  void Kill();

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string stderr_text();
  int exit_code() const { return child_.exit_code(); }

 private:
  size_t CountLocked(const std::string& text) const;
  void JoinReader();

  ChildProcess child_;
  int port_ = -1;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string err_;   // guarded by mu_
  bool eof_ = false;  // guarded by mu_
};

}  // namespace ferry::testing

#endif  // FERRY_TESTS_SUPPORT_SERVE_PROCESS_H_
