// SshServer: an sshd of the test's own on a free loopback port, with a generated host key and
// a temp authorized_keys holding one generated client key, run through the real CommandRunner
// (in a thread, stopped with the runner's cancel flag, so the process group dies with it).
// Used by the transport seam tests and the push integration tests (rsync over ssh, remote
// sha256sum).
//
// Start() fails the test (gtest FAIL) when sshd cannot be made to listen; every wait on it has
// a deadline. Stop() (and the destructor) cancel sshd and join its thread.
//
// Thread-safety: one test thread drives it.
#ifndef FERRY_TESTS_SUPPORT_SSH_SERVER_H_
#define FERRY_TESTS_SUPPORT_SSH_SERVER_H_

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "ferry/command_runner.h"

namespace ferry::testing {

class SshServer {
 public:
  // `dir` (existing) receives the keys, the config and sshd's pid file.
  explicit SshServer(const std::string& dir) : dir_(dir) {}
  ~SshServer() { Stop(); }
  SshServer(const SshServer&) = delete;
  SshServer& operator=(const SshServer&) = delete;

  // Generates keys and config, starts sshd and waits until it accepts connections.
  void Start(CommandRunner* runner);
  void Stop();

  int port() const { return port_; }
  std::string client_key() const { return dir_ + "/client_key"; }
  // A known_hosts line for this server ("[127.0.0.1]:PORT ssh-ed25519 ..."), so a client can
  // keep StrictHostKeyChecking on.
  std::string KnownHostsLine() const;
  // The ssh command line rsync's -e takes, and the ssh argv for remote commands (host key
  // checking off).
  std::string SshCommandLine() const;
  std::vector<std::string> SshArgv() const;
  // "<current user>@127.0.0.1".
  static std::string Target();

 private:
  void WriteConfig();
  bool WaitUntilListening();
  std::string ServerOutput() const;

  std::string dir_;
  CommandRunner* runner_ = nullptr;
  int port_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<bool> server_done_{false};
  std::thread thread_;
  Result<CommandResult> server_result_ = CommandResult{};
};

}  // namespace ferry::testing

#endif  // FERRY_TESTS_SUPPORT_SSH_SERVER_H_
