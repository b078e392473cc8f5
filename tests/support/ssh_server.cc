#include "support/ssh_server.h"

#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "support/file_contents.h"
#include "support/loopback_port.h"

namespace ferry::testing {
namespace {

namespace fs = std::filesystem;

CommandSpec Cmd(std::vector<std::string> argv) {
  CommandSpec spec;
  spec.argv = std::move(argv);
  spec.timeout_ms = 60'000;  // a wedged program fails the test instead of hanging it
  return spec;
}

}  // namespace

void SshServer::Start(CommandRunner* runner) {
  runner_ = runner;
  // sshd refuses to start without its privilege separation directory, which a container
  // that never booted sshd lacks.
  if (geteuid() == 0) fs::create_directories("/run/sshd");
  for (const char* key : {"host_key", "client_key"}) {
    CommandSpec keygen =
        Cmd({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir_ + "/" + key});
    Result<CommandResult> r = runner_->Run(keygen);
    ASSERT_TRUE(r.ok() && r->ok()) << (r.ok() ? r->stderr_text : r.status().ToString());
  }
  fs::copy_file(dir_ + "/client_key.pub", dir_ + "/authorized_keys");
  // The free port we picked can be taken by someone else before sshd binds it: then sshd
  // exits at once, and we try another port.
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = FreeLoopbackPort();
    ASSERT_GT(port_, 0);
    WriteConfig();
    stop_ = false;
    server_done_ = false;
    thread_ = std::thread([this] {
      CommandSpec sshd = Cmd({"/usr/sbin/sshd", "-D", "-e", "-f", dir_ + "/sshd_config"});
      sshd.timeout_ms = 0;  // runs until Stop()
      server_result_ = runner_->Run(sshd, &stop_);
      server_done_ = true;
    });
    if (WaitUntilListening()) return;
    Stop();
  }
  FAIL() << "sshd did not listen on 127.0.0.1:" << port_ << ": " << ServerOutput();
}

void SshServer::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::string SshServer::KnownHostsLine() const {
  std::string key = ReadFile(dir_ + "/host_key.pub");
  // "ssh-ed25519 AAAA... comment\n": keep the type and the key.
  const size_t second_space = key.find(' ', key.find(' ') + 1);
  if (second_space != std::string::npos) key.resize(second_space);
  while (!key.empty() && (key.back() == '\n' || key.back() == ' ')) key.pop_back();
  return "[127.0.0.1]:" + std::to_string(port_) + " " + key + "\n";
}

std::string SshServer::SshCommandLine() const {
  return "ssh -p " + std::to_string(port_) + " -i " + client_key() +
         " -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes"
         " -o LogLevel=ERROR";
}

std::vector<std::string> SshServer::SshArgv() const {
  return {"ssh",
          "-p",
          std::to_string(port_),
          "-i",
          client_key(),
          "-o",
          "StrictHostKeyChecking=no",
          "-o",
          "UserKnownHostsFile=/dev/null",
          "-o",
          "BatchMode=yes",
          "-o",
          "LogLevel=ERROR",
          Target()};
}

std::string SshServer::Target() {
  const passwd* pw = getpwuid(geteuid());
  return std::string(pw != nullptr ? pw->pw_name : "root") + "@127.0.0.1";
}

void SshServer::WriteConfig() {
  // clang-format off
  WriteFile(dir_ + "/sshd_config",
            "Port " + std::to_string(port_) + "\n"
            "ListenAddress 127.0.0.1\n"
            "HostKey " + dir_ + "/host_key\n"
            "AuthorizedKeysFile " + dir_ + "/authorized_keys\n"
            "PidFile " + dir_ + "/sshd.pid\n"
            "StrictModes no\n"
            "PermitRootLogin yes\n"
            "PubkeyAuthentication yes\n"
            "PasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\n"
            "UsePAM no\n"
            // rclone's sftp backend: the in-process server starts no login shell per session.
            "Subsystem sftp internal-sftp\n"
            "LogLevel ERROR\n");
  // clang-format on
}

// Until sshd accepts (10 s at most), or until sshd has exited.
bool SshServer::WaitUntilListening() {
  return WaitUntilAccepting(port_, std::chrono::seconds(10),
                            [this] { return server_done_.load(); });
}

std::string SshServer::ServerOutput() const {
  if (!server_result_.ok()) return server_result_.status().ToString();
  return "exit " + std::to_string(server_result_->exit_code) + ": " + server_result_->stderr_text;
}

}  // namespace ferry::testing
