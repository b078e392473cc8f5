// delay_proxy (bench/delay_proxy.cc), the 50 ms link bench/net_bench.sh measures `ferry pull`
// over. Started in front of an echo server on loopback, it must pass bytes unchanged both
// ways, count them in its --status file once the connection closes, make a round trip cost
// two delays (a new connection's first one a handshake more), and print its counters when
// stopped. Were the delays missing, the bench would report a network it never simulated.
//
// The proxy binary: $DELAY_PROXY, else delay_proxy next to $FERRY_BINARY (both in the build
// directory), as bench/net_bench.sh looks for it.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>

#include "support/child_process.h"
#include "support/ferry_binary.h"
#include "support/file_contents.h"
#include "support/loopback_port.h"
#include "support/temp_dir.h"

namespace ferry::testing {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

std::string ProxyBinary() {
  if (const char* env = std::getenv("DELAY_PROXY")) return env;
  return (std::filesystem::path(FerryBinary()).parent_path() / "delay_proxy").string();
}

// An echo server on 127.0.0.1: one connection at a time, every byte sent back as it comes,
// on its own thread with blocking sockets. The destructor shuts the sockets down, which wakes
// a blocked accept, read or write.
class EchoServer {
 public:
  EchoServer() {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        listen(listen_fd_, 16) != 0 ||
        getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "echo server: cannot listen on loopback";
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~EchoServer() {
    stop_ = true;
    shutdown(listen_fd_, SHUT_RDWR);
    const int conn = conn_fd_.load();
    if (conn >= 0) shutdown(conn, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    close(listen_fd_);
  }
  int port() const { return port_; }

 private:
  void Serve() {
    std::vector<char> buf(64 << 10);
    while (!stop_) {
      const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;  // shut down
      conn_fd_ = fd;
      for (ssize_t n; !stop_ && (n = read(fd, buf.data(), buf.size())) > 0;) {
        for (ssize_t off = 0, w; off < n; off += w) {
          if ((w = write(fd, buf.data() + off, static_cast<size_t>(n - off))) <= 0) break;
        }
      }
      conn_fd_ = -1;
      close(fd);
    }
  }

  int listen_fd_ = -1;
  int port_ = -1;
  std::atomic<int> conn_fd_{-1};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class DelayProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::getenv("DELAY_PROXY") == nullptr) {
      ASSERT_TRUE(FerryBinaryIsSet()) << "set DELAY_PROXY or FERRY_BINARY (ctest sets the latter)";
    }
    ASSERT_TRUE(std::filesystem::exists(ProxyBinary())) << ProxyBinary();
  }

  void TearDown() override {
    if (err_fd_ >= 0) close(err_fd_);
  }

  // Starts the proxy in front of 127.0.0.1:`upstream_port`; returns once it says it listens
  // (its stderr line, read from a pipe), with port_ from --port-file.
  void StartProxy(int upstream_port, double delay_ms, double handshake_rtt) {
    int fds[2];
    ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
    SpawnOptions spawn;
    spawn.argv = {ProxyBinary(),
                  "--listen",
                  "127.0.0.1:0",
                  "--upstream",
                  "127.0.0.1:" + std::to_string(upstream_port),
                  "--delay-ms",
                  std::to_string(delay_ms),
                  "--handshake-rtt=" + std::to_string(handshake_rtt),
                  "--status",
                  status_path_,
                  "--port-file",
                  dir_.Join("port")};
    spawn.stderr_fd = fds[1];
    spawn.stdout_path = dir_.Join("stdout");
    std::string error;
    const bool started = proxy_.Start(spawn, &error);
    close(fds[1]);
    err_fd_ = fds[0];
    ASSERT_TRUE(started) << error;
    const std::string marker = "delay_proxy: listening on 127.0.0.1:";
    ASSERT_TRUE(ReadStderrUntil(marker)) << "no listening line; stderr: " << err_;
    port_ = std::atoi(ReadFile(dir_.Join("port")).c_str());
    ASSERT_GT(port_, 0);
    EXPECT_EQ(std::atoi(err_.c_str() + err_.find(marker) + marker.size()), port_) << err_;
    EXPECT_NE(err_.find(" -> 127.0.0.1:" + std::to_string(upstream_port)), std::string::npos);
  }

  bool ReadStderrUntil(const std::string& text) {
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (err_.find(text) == std::string::npos) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      pollfd p{err_fd_, POLLIN, 0};
      if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char buf[512];
      const ssize_t n = read(err_fd_, buf, sizeof(buf));
      if (n <= 0) return false;
      err_.append(buf, static_cast<size_t>(n));
    }
    return true;
  }

  // The status file once `done` holds for it; it is rewritten by rename, so each rename (an
  // inotify IN_MOVED_TO in its directory) is a new version to look at. Fails at 10 s.
  json WaitForStatus(const std::function<bool(const json&)>& done) {
    const int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    inotify_add_watch(in, dir_.path().c_str(), IN_MOVED_TO | IN_CLOSE_WRITE);
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    json status;
    for (;;) {
      status = json::parse(ReadFile(status_path_), nullptr, /*allow_exceptions=*/false);
      if (!status.is_discarded() && done(status)) break;
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      pollfd p{in, POLLIN, 0};
      if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) {
        ADD_FAILURE() << "status never reached the expected state; last: " << status.dump();
        break;
      }
      char events[4096];
      [[maybe_unused]] ssize_t drained = read(in, events, sizeof(events));
    }
    close(in);
    return status;
  }

  // SIGTERM, then the exit code; the counters line goes to stdout.
  int StopProxy() {
    proxy_.Signal(SIGTERM);
    return proxy_.Wait(std::chrono::seconds(10));
  }

  TempDir dir_;
  std::string status_path_ = dir_.Join("status.json");
  ChildProcess proxy_;
  int port_ = -1;
  int err_fd_ = -1;
  std::string err_;
};

// Sends `out` on `fd` while reading what comes back, until as many bytes came back, the peer
// closed, or 30 s passed; returns what came back.
std::string Exchange(int fd, const std::string& out) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  std::string in;
  size_t sent = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  char buf[64 << 10];
  while (in.size() < out.size() && Clock::now() < deadline) {
    pollfd p{fd, static_cast<short>(POLLIN | (sent < out.size() ? POLLOUT : 0)), 0};
    if (poll(&p, 1, 1000) <= 0) continue;
    if (p.revents & POLLOUT) {
      const ssize_t n = send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n > 0) sent += static_cast<size_t>(n);
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = read(fd, buf, sizeof(buf));
      if (n == 0 || (n < 0 && errno != EAGAIN)) break;
      if (n > 0) in.append(buf, static_cast<size_t>(n));
    }
  }
  return in;
}

std::string RandomBytes(size_t n) {
  std::mt19937_64 rng(14);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

// The status once the test's one connection has closed (the first status, written at start,
// says 0 connections).
bool OneConnectionClosed(const json& s) { return s["connections"] == 1 && s["open"] == 0; }

double MsSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

TEST_F(DelayProxyTest, BytesPassUnchangedBothWaysAndAreCounted) {
  EchoServer echo;
  ASSERT_NO_FATAL_FAILURE(StartProxy(echo.port(), 5, 1));
  // More than the 8 MiB high-water mark, in both directions at once.
  const std::string payload = RandomBytes(12 << 20);
  const int fd = ConnectRaw(port_);
  ASSERT_GE(fd, 0);
  const std::string back = Exchange(fd, payload);
  close(fd);
  EXPECT_EQ(back.size(), payload.size());
  EXPECT_TRUE(back == payload) << "the bytes that came back differ";

  WaitForStatus(OneConnectionClosed);
  // Word for word the Python twin's line (json.dumps), which bench/net_bench.sh reads.
  const std::string n = std::to_string(payload.size());
  const std::string line =
      "{\"up_bytes\": " + n + ", \"down_bytes\": " + n + ", \"connections\": 1, \"open\": 0}\n";
  EXPECT_EQ(ReadFile(status_path_), line);

  EXPECT_EQ(StopProxy(), 0);
  EXPECT_EQ(ReadFile(dir_.Join("stdout")), "delay_proxy: " + line) << "the counters at exit";
}

TEST_F(DelayProxyTest, ARoundTripCostsTwoDelaysAndANewConnectionsFirstAHandshakeMore) {
  EchoServer echo;
  constexpr double kDelayMs = 40;
  ASSERT_NO_FATAL_FAILURE(StartProxy(echo.port(), kDelayMs, 1));
  const int fd = ConnectRaw(port_);
  ASSERT_GE(fd, 0);
  auto t0 = Clock::now();
  ASSERT_EQ(Exchange(fd, "a"), "a");
  EXPECT_GE(MsSince(t0), 4 * kDelayMs) << "the first round trip: handshake + request";
  t0 = Clock::now();
  ASSERT_EQ(Exchange(fd, "bc"), "bc");
  EXPECT_GE(MsSince(t0), 2 * kDelayMs) << "a round trip on an open connection";
  close(fd);
  const json status = WaitForStatus(OneConnectionClosed);
  EXPECT_EQ(status["up_bytes"], 3);
  EXPECT_EQ(status["down_bytes"], 3);
  EXPECT_EQ(StopProxy(), 0);
}

TEST_F(DelayProxyTest, AnUpstreamThatRefusesClosesTheClientAndCountsTheConnection) {
  const int closed_port = FreeLoopbackPort();
  ASSERT_GT(closed_port, 0);
  ASSERT_NO_FATAL_FAILURE(StartProxy(closed_port, 5, 0));
  const int fd = ConnectRaw(port_);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(Exchange(fd, "GET / HTTP/1.1\r\n\r\n"), "") << "nothing can come back";
  close(fd);
  WaitForStatus(OneConnectionClosed);
  EXPECT_TRUE(ReadStderrUntil("delay_proxy: upstream 127.0.0.1:" + std::to_string(closed_port) +
                              ": Connection refused"))
      << err_;
  EXPECT_EQ(StopProxy(), 0);
}

}  // namespace
}  // namespace ferry::testing
