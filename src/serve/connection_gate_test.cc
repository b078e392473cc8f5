#include "serve/connection_gate.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>

#include "base/mem_env.h"

namespace ferry::serve {
namespace {

// A gate over socketpairs: the test writes as a client on one end, the gate reads the other.
class ConnectionGateTest : public ::testing::Test {
 protected:
  // The gate's deadlines run on clock_, which only the test moves: a deadline passes when
  // the test says so, never because the machine was slow.
  void StartGate(GateOptions options) {
    options.clock = &clock_;
    gate_ = std::make_unique<ConnectionGate>(options, [this](std::unique_ptr<ClientConnection> c) {
      std::lock_guard<std::mutex> lock(mu_);
      ready_.push_back(std::move(c));
      cv_.notify_all();
    });
    ASSERT_TRUE(gate_->Start().ok());
  }
  void TearDown() override {
    if (gate_) gate_->Stop();
  }

  // Returns the client's end; the server's end goes to the gate.
  int Connect() {
    int fds[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK);
    gate_->Add(std::make_unique<ClientConnection>(fds[1], "127.0.0.1", 1, AddressLimiter::Slot()));
    return fds[0];
  }

  std::unique_ptr<ClientConnection> WaitReady() {
    std::unique_lock<std::mutex> lock(mu_);
    // A bound on the test, not the assertion: the head is handed on as soon as it is read.
    cv_.wait_for(lock, std::chrono::seconds(20), [this] { return !ready_.empty(); });
    if (ready_.empty()) return nullptr;
    auto c = std::move(ready_.front());
    ready_.pop_front();
    return c;
  }

  // What the server sends before closing (bounded by `seconds`).
  static std::string ReadToEof(int fd, int seconds) {
    std::string out;
    char buf[4096];
    for (;;) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, seconds * 1000) <= 0) return out + "<no eof>";
      ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) return out;
      out.append(buf, static_cast<size_t>(n));
    }
  }

  MemEnv clock_;
  std::unique_ptr<ConnectionGate> gate_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<ClientConnection>> ready_;
};

TEST_F(ConnectionGateTest, HandsOnAConnectionOnceItsHeadIsCompleteWithWhatFollows) {
  StartGate({});
  int fd = Connect();
  const std::string part1 = "GET /api/sync/manifest HTTP/1.1\r\nHost: x\r\n";
  ASSERT_EQ(send(fd, part1.data(), part1.size(), 0), static_cast<ssize_t>(part1.size()));
  const std::string part2 = "\r\nGET /next HTTP/1.1\r\n";  // and the start of a pipelined one
  ASSERT_EQ(send(fd, part2.data(), part2.size(), 0), static_cast<ssize_t>(part2.size()));
  auto c = WaitReady();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->buffer.substr(c->consumed), part1 + part2);
  EXPECT_GT(c->first_byte_ns, 0);
  close(fd);
}

TEST_F(ConnectionGateTest, PipelinedHeadAlreadyBufferedGoesStraightOn) {
  StartGate({});
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK);
  auto c = std::make_unique<ClientConnection>(fds[1], "127.0.0.1", 1, AddressLimiter::Slot());
  c->buffer = "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
  c->consumed = 19;  // the first request was served
  gate_->Add(std::move(c));
  auto back = WaitReady();
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(back->buffer.substr(back->consumed), "GET /b HTTP/1.1\r\n\r\n");
  close(fds[0]);
}

// Issue 9: a client that drips one header byte at a time is never silent, so a read timeout
// never fires; the head's deadline counts from its first byte whatever arrives after.
TEST_F(ConnectionGateTest, DrippedHeadIsAnswered408AtItsDeadlineThoughNeverSilent) {
  GateOptions o;
  o.header_timeout_ms = 300;
  StartGate(o);
  int fd = Connect();
  std::string answer;
  // One byte every 50 ms of the gate's clock for up to 200 bytes (10 s): far past the deadline
  // if it did not hold. Each byte wakes the gate, which then sees the clock moved.
  int64_t dripped_ms = 0;
  for (int i = 0; i < 200 && answer.empty(); ++i) {
    const char byte = "GET /api/sync/manifest?x=aaaaaaaa"[i % 20];
    pollfd p{fd, POLLIN, 0};
    // The gate closed it (its answer is still there to read), or it answers now.
    if (send(fd, &byte, 1, MSG_NOSIGNAL) != 1 || poll(&p, 1, 50) > 0) {
      answer = ReadToEof(fd, 10);
      break;
    }
    clock_.AdvanceClock(50'000'000);
    dripped_ms += 50;
  }
  EXPECT_EQ(answer.rfind("HTTP/1.1 408 Request Timeout\r\n", 0), 0u) << answer;
  EXPECT_NE(answer.find("request headers not received in time"), std::string::npos);
  EXPECT_GE(dripped_ms, 300) << "answered before the deadline";
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_TRUE(ready_.empty());
  close(fd);
}

TEST_F(ConnectionGateTest, SilentConnectionIsClosedAtTheIdleDeadlineWithoutAWord) {
  GateOptions o;
  o.idle_timeout_ms = 200;
  StartGate(o);
  int fd = Connect();
  pollfd p{fd, POLLIN, 0};
  EXPECT_EQ(poll(&p, 1, 0), 0) << "closed before its deadline";
  clock_.AdvanceClock(200'000'000);  // the gate wakes within 200 ms of real time to look
  EXPECT_EQ(ReadToEof(fd, 20), "");
  close(fd);
}

TEST_F(ConnectionGateTest, OversizedHeadIsAnswered431AndAnEndlessRequestLine414) {
  GateOptions o;
  o.max_header_bytes = 1024;
  StartGate(o);
  int headers = Connect();
  std::string big = "GET / HTTP/1.1\r\nX-Big: " + std::string(2000, 'a');
  ASSERT_EQ(send(headers, big.data(), big.size(), 0), static_cast<ssize_t>(big.size()));
  EXPECT_EQ(ReadToEof(headers, 20).rfind("HTTP/1.1 431 ", 0), 0u);
  int uri = Connect();
  std::string line = "GET /" + std::string(2000, 'b');
  ASSERT_EQ(send(uri, line.data(), line.size(), 0), static_cast<ssize_t>(line.size()));
  EXPECT_EQ(ReadToEof(uri, 20).rfind("HTTP/1.1 414 ", 0), 0u);
  close(headers);
  close(uri);
}

TEST_F(ConnectionGateTest, ClientThatLeavesMidHeadIsDroppedAndStopClosesTheRest) {
  StartGate({});
  int gone = Connect();
  ASSERT_EQ(send(gone, "GET /", 5, 0), 5);
  close(gone);
  int waiting = Connect();
  gate_->Stop();
  EXPECT_EQ(ReadToEof(waiting, 20), "");
  close(waiting);
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_TRUE(ready_.empty());
}

}  // namespace
}  // namespace ferry::serve
