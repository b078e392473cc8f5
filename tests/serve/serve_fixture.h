// Test support for the `ferry serve` integration tests (header-only: CMake builds only
// *_test.cc in this directory). ServeProcess starts the real `ferry` binary (env
// FERRY_BINARY) on a free loopback port, reads its stderr on a thread so tests can wait for a
// log line with a deadline, and stops it with a signal. SampleCatalog writes a small catalog
// (two users with different grants) into a temp dir.
#ifndef FERRY_TESTS_SERVE_SERVE_FIXTURE_H_
#define FERRY_TESTS_SERVE_SERVE_FIXTURE_H_

#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/hasher.h"
#include "support/temp_dir.h"

extern char** environ;

namespace ferry::testing {

inline std::string FerryBinary() {
  const char* b = std::getenv("FERRY_BINARY");
  return b != nullptr ? b : "ferry";
}

inline std::string HashHex(HashAlgorithm algo, const std::string& s) {
  Hasher h(algo);
  h.Update(s);
  return h.FinishHex();
}
inline std::string Md5Hex(const std::string& s) { return HashHex(HashAlgorithm::kMd5, s); }

inline void WriteFile(const std::string& path, const std::string& data) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Deterministic pseudo-random bytes that start and end with the parquet magic.
inline std::string FakeParquet(size_t size, unsigned seed) {
  std::string s(size, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    s[i] = static_cast<char>(x & 0xff);
  }
  if (size >= 8) {
    s.replace(0, 4, "PAR1");
    s.replace(size - 4, 4, "PAR1");
  }
  return s;
}

// A connected TCP socket to 127.0.0.1:`port` that sends nothing (or what the test writes);
// -1 when the connection is refused.
inline int ConnectRaw(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Runs a command to completion, capturing stdout and stderr; returns the exit code.
struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline CommandResult RunCommand(const std::vector<std::string>& args,
                                const std::vector<std::string>& extra_env = {}) {
  TempDir tmp;
  std::string out_path = tmp.Join("out"), err_path = tmp.Join("err");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_store;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string(*e).rfind("FERRY_TOKEN=", 0) == 0) continue;
    env_store.push_back(*e);
  }
  for (const std::string& e : extra_env) env_store.push_back(e);
  std::vector<char*> envp;
  for (std::string& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  CommandResult r;
  if (posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp.data()) != 0) return r;
  posix_spawn_file_actions_destroy(&fa);
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = ReadFile(out_path);
  r.err = ReadFile(err_path);
  return r;
}

class ServeProcess {
 public:
  ServeProcess() = default;
  ~ServeProcess() { Kill(); }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  // Starts `ferry serve` with `args` (after "serve"); returns false if it exits or does not
  // print its listening line within 20 s (then exit_code() / stderr_text() tell why).
  bool Start(const std::vector<std::string>& args) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      err_.clear();
      eof_ = false;
      port_ = -1;
    }
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return false;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    std::vector<std::string> all = {FerryBinary(), "serve"};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    int rc = posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
      close(fds[0]);
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

  // Waits until stderr contains `text` (from any time since start), or the deadline / EOF.
  bool WaitFor(const std::string& text, std::chrono::milliseconds deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, deadline, [&] {
      return err_.find(text) != std::string::npos || eof_;
    }) && err_.find(text) != std::string::npos;
  }

  // Waits until stderr contains `text` at least `n` times, or the deadline / EOF.
  bool WaitForCount(const std::string& text, size_t n, std::chrono::milliseconds deadline) {
    auto count = [&] {
      size_t k = 0;
      for (size_t p = err_.find(text); p != std::string::npos; p = err_.find(text, p + 1)) ++k;
      return k;
    };
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, deadline, [&] { return count() >= n || eof_; }) && count() >= n;
  }

  size_t CountOf(const std::string& text) {
    std::lock_guard<std::mutex> lock(mu_);
    size_t n = 0;
    for (size_t p = err_.find(text); p != std::string::npos; p = err_.find(text, p + 1)) ++n;
    return n;
  }

  void Signal(int sig) {
    if (pid_ > 0) kill(pid_, sig);
  }

  // Sends SIGTERM and waits (at most 30 s); returns the exit code.
  int Stop(int sig = SIGTERM) {
    if (pid_ <= 0) return exit_code_;
    kill(pid_, sig);
    return Wait(std::chrono::seconds(30));
  }

  int Wait(std::chrono::seconds deadline) {
    if (pid_ <= 0) return exit_code_;
    auto end = std::chrono::steady_clock::now() + deadline;
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > end) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
    if (reader_.joinable()) reader_.join();
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return exit_code_;
  }

  void Kill() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      Wait(std::chrono::seconds(30));
    }
    if (reader_.joinable()) reader_.join();
  }

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string stderr_text() {
    std::lock_guard<std::mutex> lock(mu_);
    return err_;
  }
  int exit_code() const { return exit_code_; }

 private:
  pid_t pid_ = -1;
  int port_ = -1;
  int exit_code_ = -1;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string err_;
  bool eof_ = false;
};

// A catalog in a temp dir:
//   tables: orders (sales/orders.parquet), customers, events (dir: events/, two parts),
//           secret (finance/secret.parquet)
//   packages: sales [orders, customers] available; onboarding [customers] required;
//             finance [secret] available
//   memory domain: playbook (two approved items, one required)
//   users: ana (token "tok-ana"): grants sales, onboarding, playbook, tables [events];
//          stack sales, playbook, events
//          bo (token "tok-bo"): grants finance, onboarding; stack finance
class SampleCatalog {
 public:
  SampleCatalog() {
    WriteFile(Data("sales/orders.parquet"), FakeParquet(300'000, 1));
    WriteFile(Data("sales/customers.parquet"), FakeParquet(50'000, 2));
    WriteFile(Data("finance/secret.parquet"), FakeParquet(10'000, 3));
    WriteFile(Data("events/2026/01.parquet"), FakeParquet(7'000, 4));
    WriteFile(Data("events/02.parquet"), FakeParquet(9'000, 5));
    WriteFile(dir_.Join("memory/playbook/a.md"),
              "---\nid: a\ntitle: Alpha\nstatus: approved\nis_required: true\n---\nAlpha body\n");
    WriteFile(dir_.Join("memory/playbook/b.md"),
              "---\nid: b\ntitle: Beta\nstatus: approved\n---\nBeta body\n");
    WriteCatalog(Yaml());
  }

  std::string Yaml(const std::string& extra_tables = "") const {
    return "root: ./data\n"
           "tables:\n"
           "  - {id: orders, name: orders, file: sales/orders.parquet, query_mode: local}\n"
           "  - {id: customers, file: sales/customers.parquet}\n"
           "  - {id: secret, file: finance/secret.parquet}\n"
           "  - {id: events, dir: events/}\n" +
           extra_tables +
           "packages:\n"
           "  - {slug: sales, name: Sales, description: Sales data, tables: [orders, "
           "customers]}\n"
           "  - {slug: onboarding, name: Onboarding, requirement: required, tables: "
           "[customers]}\n"
           "  - {slug: finance, name: Finance, tables: [secret]}\n"
           "memory_domains:\n"
           "  - {slug: playbook, name: Playbook, description: How we work, items_dir: "
           "memory/playbook}\n"
           "users:\n"
           "  - name: ana\n"
           "    token_sha256: " +
           HashHex(HashAlgorithm::kSha256, "tok-ana") +
           "\n"
           "    grants: {packages: [sales, onboarding], memory_domains: [playbook], tables: "
           "[events]}\n"
           "    stack: {packages: [sales], memory_domains: [playbook], direct_tables: [events]}\n"
           "  - name: bo\n"
           "    token_sha256: " +
           HashHex(HashAlgorithm::kSha256, "tok-bo") +
           "\n"
           "    grants: {packages: [finance, onboarding]}\n"
           "    stack: {packages: [finance]}\n";
  }

  // Writes the catalog atomically (rename), as an editor or deploy script would.
  void WriteCatalog(const std::string& yaml) const {
    WriteFile(catalog() + ".tmp", yaml);
    std::filesystem::rename(catalog() + ".tmp", catalog());
  }

  std::string catalog() const { return dir_.Join("catalog.yaml"); }
  std::string Data(const std::string& rel) const { return dir_.Join("data/" + rel); }
  std::string Join(const std::string& rel) const { return dir_.Join(rel); }
  std::vector<std::string> ServeArgs(const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> a = {"--catalog", catalog(), "--listen", "127.0.0.1:0"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }

 private:
  TempDir dir_;
};

inline httplib::Headers Auth(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

}  // namespace ferry::testing

#endif  // FERRY_TESTS_SERVE_SERVE_FIXTURE_H_
