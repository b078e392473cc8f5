// `ferry serve` against slow clients (issue 9, item 4): clients that drip their headers or
// bodies a byte at a time, and many connections from one address. Every test is bounded in
// connections and time; none asserts a wall-clock upper bound (a loaded machine must not fail
// them), they assert what the server answered and whom it still holds.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>

#include "serve/serve_fixture.h"

namespace ferry::testing {
namespace {

using std::chrono::seconds;

bool SendAll(int fd, const std::string& s) {
  return send(fd, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size());
}

// Everything the server sends until it closes (bounded by `limit` of silence).
std::string ReadToEof(int fd, seconds limit) {
  std::string out;
  char buf[16384];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(limit.count() * 1000)) <= 0) return out;
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

// True while the server neither answered nor closed `fd`.
bool StillOpenAndUnanswered(int fd) {
  char byte;
  const ssize_t n = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

nlohmann::json WithoutTime(nlohmann::json m) {
  if (m.is_object()) m.erase("server_time");
  return m;
}

// Sends one byte per connection per round, a round a second, until stopped (at most
// `max_rounds`): connections that are never silent for long, whose heads never end.
class Dripper {
 public:
  Dripper(std::vector<int> fds, int max_rounds) : fds_(std::move(fds)) {
    thread_ = std::thread([this, max_rounds] {
      std::unique_lock<std::mutex> lock(mu_);
      for (int round = 0; round < max_rounds && !stop_; ++round) {
        for (int fd : fds_) (void)!send(fd, "a", 1, MSG_NOSIGNAL);
        cv_.wait_for(lock, seconds(1), [this] { return stop_; });  // pacing, not a sync
      }
    });
  }
  ~Dripper() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
    for (int fd : fds_) close(fd);
  }
  const std::vector<int>& fds() const { return fds_; }

 private:
  std::vector<int> fds_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

class ServeSlowClientsTest : public ::testing::Test {
 protected:
  void TearDown() override { server_.Kill(); }

  nlohmann::json Manifest(const std::string& token) {
    httplib::Client cli("127.0.0.1", server_.port());
    auto r = cli.Get("/api/sync/manifest", Auth(token));
    if (!r || r->status != 200) return {};
    return nlohmann::json::parse(r->body);
  }

  SampleCatalog catalog_;
  ServeProcess server_;
};

// Issue 9, item 4: 240 connections that each send a header byte every second held all 32
// worker threads (a worker read each head, and a read timeout measures silence), so a normal
// manifest request was not answered while they dripped. Heads now wait in the gate, which
// holds sockets, not threads.
TEST_F(ServeSlowClientsTest, ManifestIsAnsweredWhile240ClientsDripTheirHeaders) {
  ASSERT_TRUE(server_.Start(catalog_.ServeArgs({"--max-threads", "32", "--read-timeout", "60"})))
      << server_.stderr_text();
  const nlohmann::json expected = WithoutTime(Manifest("tok-ana"));
  ASSERT_TRUE(expected.is_object());
  std::vector<int> fds;
  for (int i = 0; i < 240; ++i) {
    int fd = ConnectRaw(server_.port());
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(SendAll(fd, "GET /api/sync/manifest HTTP/1.1\r\nX-Drip: "));
    fds.push_back(fd);
  }
  Dripper drip(std::move(fds), 60);

  httplib::Client cli("127.0.0.1", server_.port());
  cli.set_read_timeout(30, 0);  // bounds the test on a server that never answers
  auto r = cli.Get("/api/sync/manifest", Auth("tok-ana"));
  ASSERT_TRUE(r) << "no answer while 240 clients dripped: " << httplib::to_string(r.error());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(WithoutTime(nlohmann::json::parse(r->body)), expected);
  // The drippers were still connected and unanswered the whole time.
  size_t open = 0;
  for (int fd : drip.fds()) open += StillOpenAndUnanswered(fd) ? 1 : 0;
  EXPECT_EQ(open, 240u);
  EXPECT_EQ(server_.Stop(), 0);
}

// The read timeout measured silence, so a head sent a byte every 100 ms was read for as long
// as the client liked. The head now has a deadline of its own (--header-timeout, by default
// the read timeout) counted from its first byte.
TEST_F(ServeSlowClientsTest, HeaderDeadlineEndsADripThatIsNeverSilent) {
  ASSERT_TRUE(server_.Start(catalog_.ServeArgs({"--read-timeout", "2"}))) << server_.stderr_text();
  int fd = ConnectRaw(server_.port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd,
                      "GET /api/sync/manifest HTTP/1.1\r\nAuthorization: Bearer tok-ana\r\n"
                      "X-Drip: "));
  std::string answer;
  bool closed = false;
  // Up to 200 bytes at 100 ms (20 s, ten times the deadline), then the head would end.
  for (int i = 0; i < 200 && !closed; ++i) {
    if (!SendAll(fd, "a")) {
      closed = true;
      break;
    }
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) > 0) {
      answer = ReadToEof(fd, seconds(10));
      closed = true;
    }
  }
  EXPECT_TRUE(closed) << "the server kept reading a dripped head for 20 s";
  // That the deadline is not early is asserted on a fake clock (connection_gate_test.cc).
  if (!answer.empty()) {
    EXPECT_EQ(answer.rfind("HTTP/1.1 408 ", 0), 0u) << answer;
  }
  close(fd);
  EXPECT_TRUE(Manifest("tok-ana").is_object());  // and everyone else is still served
  EXPECT_EQ(server_.Stop(), 0);
}

// The same for a body: a PUT whose 1,000 announced body bytes come one every 100 ms.
TEST_F(ServeSlowClientsTest, BodyDeadlineEndsADrippedBody) {
  ASSERT_TRUE(server_.Start(catalog_.ServeArgs({"--read-timeout", "2"}))) << server_.stderr_text();
  int fd = ConnectRaw(server_.port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd,
                      "PUT /api/stack/packages/sales HTTP/1.1\r\nHost: x\r\n"
                      "Authorization: Bearer tok-ana\r\nContent-Length: 1000\r\n\r\n"));
  bool closed = false;
  std::string answer;
  for (int i = 0; i < 200 && !closed; ++i) {
    if (!SendAll(fd, "a")) {
      closed = true;
      break;
    }
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) > 0) {
      answer = ReadToEof(fd, seconds(10));
      closed = true;
    }
  }
  EXPECT_TRUE(closed) << "the server kept reading a dripped body for 20 s";
  EXPECT_EQ(answer.find("HTTP/1.1 200"), std::string::npos) << answer;
  close(fd);
  EXPECT_TRUE(Manifest("tok-ana").is_object());
  EXPECT_EQ(server_.Stop(), 0);
}

// One address holds at most --max-connections-per-address connections: the next one is
// answered 429 and closed, while those it holds are served as usual.
TEST_F(ServeSlowClientsTest, PerAddressCapAnswers429ToTheExcessAndServesTheRest) {
  ASSERT_TRUE(server_.Start(catalog_.ServeArgs({"--max-connections-per-address", "8"})))
      << server_.stderr_text();
  // No manifest is fetched before the cap is probed: that client's keep-alive connection
  // would hold a slot until the server saw it close, and a slot freed in the middle of the
  // probe lets an excess connection in.
  std::vector<int> held;
  for (int i = 0; i < 8; ++i) {
    held.push_back(ConnectRaw(server_.port()));
    ASSERT_GE(held.back(), 0);
  }
  std::vector<std::string> refusals;
  for (int i = 0; i < 4; ++i) {  // the excess
    int fd = ConnectRaw(server_.port());
    ASSERT_GE(fd, 0);
    refusals.push_back(ReadToEof(fd, seconds(20)));
    close(fd);
  }
  for (const std::string& r : refusals) {
    EXPECT_EQ(r.rfind("HTTP/1.1 429 Too Many Requests\r\n", 0), 0u) << r;
    EXPECT_NE(r.find("too many connections from your address (at most 8)"), std::string::npos);
  }
  // A held connection still gets its manifest.
  ASSERT_TRUE(SendAll(held[3],
                      "GET /api/sync/manifest HTTP/1.1\r\nHost: x\r\n"
                      "Authorization: Bearer tok-ana\r\nConnection: close\r\n\r\n"));
  const std::string response = ReadToEof(held[3], seconds(20));
  ASSERT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response;
  const nlohmann::json got =
      nlohmann::json::parse(response.substr(response.find("\r\n\r\n") + 4), nullptr, false);
  ASSERT_TRUE(got.is_object()) << response;
  EXPECT_FALSE(got["data_packages"].empty()) << response;
  for (int fd : held) close(fd);
  EXPECT_EQ(server_.Stop(), 0);
}

}  // namespace
}  // namespace ferry::testing
