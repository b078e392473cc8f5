// `ferry serve` under change and abuse: files replaced or rewritten during downloads, catalog
// reloads (SIGHUP, polling, broken catalogs), oversized headers, slow clients, connection
// floods, TLS.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>

#include "serve/serve_fixture.h"

namespace ferry::testing {
namespace {

using std::chrono::seconds;

nlohmann::json GetManifest(int port, const std::string& token) {
  httplib::Client cli("127.0.0.1", port);
  auto r = cli.Get("/api/sync/manifest", Auth(token));
  if (!r || r->status != 200) return {};
  return nlohmann::json::parse(r->body);
}

std::string OrdersMd5(const nlohmann::json& m) {
  if (!m.is_object()) return "";
  return m["tables"]["orders"]["hash"];
}

class ServeRobustnessTest : public ::testing::Test {
 protected:
  void TearDown() override { server_.Kill(); }
  SampleCatalog catalog_;
  ServeProcess server_;
};

// 20 clients are mid-download when the file is replaced by rename: each completes with the
// old bytes (the server streams the inode it opened), and the next manifest has the new md5.
TEST_F(ServeRobustnessTest, FileReplacedByRenameDuring20ConcurrentDownloads) {
  const std::string old_bytes = FakeParquet(8 << 20, 11);
  const std::string new_bytes = FakeParquet(8 << 20, 12);
  WriteFile(catalog_.Data("sales/orders.parquet"), old_bytes);
  ASSERT_TRUE(server_.Start(catalog_.ServeArgs())) << server_.stderr_text();
  ASSERT_EQ(OrdersMd5(GetManifest(server_.port(), "tok-ana")), Md5Hex(old_bytes));

  constexpr int kClients = 20;
  std::mutex mu;
  std::condition_variable cv;
  int started = 0;
  bool go = false;
  std::vector<std::string> bodies(kClients);
  std::vector<int> statuses(kClients, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      httplib::Client cli("127.0.0.1", server_.port());
      cli.set_read_timeout(30, 0);
      bool first = true;
      auto r = cli.Get("/api/data/orders/download", Auth("tok-ana"),
                       [&](const char* data, size_t n) {
                         bodies[i].append(data, n);
                         if (first) {
                           first = false;
                           std::unique_lock<std::mutex> lock(mu);
                           ++started;
                           cv.notify_all();
                           cv.wait_for(lock, seconds(30), [&] { return go; });
                         }
                         return true;
                       });
      statuses[i] = r ? r->status : -1;
    });
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, seconds(30), [&] { return started == kClients; }));
  }
  WriteFile(catalog_.Data("sales/orders.parquet.new"), new_bytes);
  std::filesystem::rename(catalog_.Data("sales/orders.parquet.new"),
                          catalog_.Data("sales/orders.parquet"));
  {
    std::lock_guard<std::mutex> lock(mu);
    go = true;
  }
  cv.notify_all();
  for (auto& t : threads) t.join();
  const std::string old_md5 = Md5Hex(old_bytes);
  for (int i = 0; i < kClients; ++i) {
    const bool complete = statuses[i] == 200 && bodies[i].size() == old_bytes.size();
    // Never mixed: a complete body is exactly the old file; anything else is a clean failure.
    if (complete) {
      EXPECT_EQ(Md5Hex(bodies[i]), old_md5) << "client " << i;
    }
    // The design promises more than the minimum: a renamed-over file keeps streaming.
    EXPECT_TRUE(complete) << "client " << i << " status " << statuses[i] << " got "
                          << bodies[i].size();
  }
  EXPECT_EQ(OrdersMd5(GetManifest(server_.port(), "tok-ana")), Md5Hex(new_bytes));
  httplib::Client cli("127.0.0.1", server_.port());
  auto r = cli.Get("/api/data/orders/download", Auth("tok-ana"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, new_bytes);
}

// A file rewritten in place while it streams: the client fails (short body), never gets a
// complete body that mixes versions.
TEST_F(ServeRobustnessTest, FileRewrittenInPlaceMidDownloadFailsTheDownloadCleanly) {
  const std::string old_bytes = FakeParquet(32 << 20, 21);
  WriteFile(catalog_.Data("sales/orders.parquet"), old_bytes);
  ASSERT_TRUE(server_.Start(catalog_.ServeArgs())) << server_.stderr_text();
  std::mutex mu;
  std::condition_variable cv;
  bool started = false, go = false;
  std::string body;
  int status = 0;
  std::thread client([&] {
    httplib::Client cli("127.0.0.1", server_.port());
    cli.set_read_timeout(30, 0);
    auto r = cli.Get("/api/data/orders/download", Auth("tok-ana"),
                     [&](const char* data, size_t n) {
                       body.append(data, n);
                       std::unique_lock<std::mutex> lock(mu);
                       if (!started) {
                         started = true;
                         cv.notify_all();
                         cv.wait_for(lock, seconds(30), [&] { return go; });
                       }
                       return true;
                     });
    status = r ? r->status : -1;
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, seconds(30), [&] { return started; }));
  }
  {
    // Same size, different bytes, written into the same inode.
    std::fstream f(catalog_.Data("sales/orders.parquet"),
                   std::ios::in | std::ios::out | std::ios::binary);
    const std::string other = FakeParquet(32 << 20, 22);
    f.write(other.data(), static_cast<std::streamsize>(other.size()));
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    go = true;
  }
  cv.notify_all();
  client.join();
  const bool complete = status == 200 && body.size() == old_bytes.size();
  EXPECT_FALSE(complete) << "a complete body after an in-place rewrite may mix versions";
  EXPECT_LT(body.size(), old_bytes.size());
  EXPECT_TRUE(server_.WaitFor("changed while being downloaded", seconds(10)));
}

TEST_F(ServeRobustnessTest, SighupWithBrokenCatalogKeepsServingTheOldOneThenPicksUpAGoodOne) {
  ASSERT_TRUE(server_.Start(catalog_.ServeArgs({"--poll-interval-ms", "0"})))
      << server_.stderr_text();
  nlohmann::json before = GetManifest(server_.port(), "tok-ana");
  ASSERT_EQ(before["data_packages"].size(), 2u);

  std::string broken = catalog_.Yaml();
  broken.replace(broken.find("tables: [orders, customers]"), 27, "tables: [orders, ordrs]");
  catalog_.WriteCatalog(broken);
  server_.Signal(SIGHUP);
  ASSERT_TRUE(server_.WaitFor("catalog reload failed", seconds(10))) << server_.stderr_text();
  EXPECT_TRUE(server_.WaitFor(catalog_.catalog() +
                                  ":8: package 'sales' lists unknown table 'ordrs'",
                              seconds(1)))
      << server_.stderr_text();
  nlohmann::json still = GetManifest(server_.port(), "tok-ana");
  EXPECT_EQ(still["data_packages"], before["data_packages"]);

  // A good catalog that drops ana's direct table from her grants.
  std::string good = catalog_.Yaml();
  good.replace(good.find("tables: [events]}"), 17, "tables: []}");
  good.replace(good.find("direct_tables: [events]"), 23, "direct_tables: []");
  catalog_.WriteCatalog(good);
  server_.Signal(SIGHUP);
  ASSERT_TRUE(server_.WaitFor("catalog reloaded", seconds(10))) << server_.stderr_text();
  nlohmann::json after = GetManifest(server_.port(), "tok-ana");
  EXPECT_TRUE(after["direct_tables"].empty());
  httplib::Client cli("127.0.0.1", server_.port());
  auto r = cli.Get("/api/data/events/download?part=02.parquet", Auth("tok-ana"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(server_.Stop(SIGINT), 0);
}

// The freshness rule (docs/DESIGN.md): with polling off, an edited memory item is in the very
// next manifest and bundle; nothing waits for a poll, so nothing here waits at all.
TEST_F(ServeRobustnessTest, AnEditedMemoryItemShowsInTheVeryNextManifestAndBundle) {
  ASSERT_TRUE(server_.Start(catalog_.ServeArgs({"--poll-interval-ms", "0"})))
      << server_.stderr_text();
  nlohmann::json m = GetManifest(server_.port(), "tok-ana");
  const std::string token = m["memory_domains"][0]["md5"];
  WriteFile(catalog_.Join("memory/playbook/b.md"),
            "---\nid: b\ntitle: Beta\nstatus: approved\n---\nBeta body, edited\n");
  m = GetManifest(server_.port(), "tok-ana");
  ASSERT_TRUE(m.is_object());
  EXPECT_NE(m["memory_domains"][0]["md5"], token);
  httplib::Client cli("127.0.0.1", server_.port());
  auto r = cli.Get("/api/memory/bundle?domain=playbook", Auth("tok-ana"));
  ASSERT_TRUE(r);
  EXPECT_NE(r->body.find("Beta body, edited"), std::string::npos);
}

TEST_F(ServeRobustnessTest, BrokenCatalogAtStartupExits2NamingTheLine) {
  std::string broken = catalog_.Yaml();
  broken.replace(broken.find("tables: [orders, customers]"), 27, "tables: [orders, ordrs]");
  catalog_.WriteCatalog(broken);
  CommandResult r = RunCommand({FerryBinary(), "serve", "--catalog", catalog_.catalog(),
                                "--listen", "127.0.0.1:0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "ferry: " + catalog_.catalog() +
                       ":8: package 'sales' lists unknown table 'ordrs'\n");
  r = RunCommand({FerryBinary(), "serve", "--catalog", catalog_.Join("nope.yaml"), "--listen",
                  "127.0.0.1:0"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST_F(ServeRobustnessTest, OversizedHeadersGetA4xxAndTheServerKeepsServing) {
  ASSERT_TRUE(server_.Start(catalog_.ServeArgs())) << server_.stderr_text();
  httplib::Client cli("127.0.0.1", server_.port());
  httplib::Headers h = Auth("tok-ana");
  h.insert({"X-Big", std::string(64 * 1024, 'a')});
  auto r = cli.Get("/api/sync/manifest", h);
  if (r) {
    EXPECT_TRUE(r->status == 400 || r->status == 431) << r->status;
  }  // else: the server closed the connection, also a refusal
  httplib::Client again("127.0.0.1", server_.port());
  auto ok = again.Get("/api/sync/manifest", Auth("tok-ana"));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  auto long_uri = again.Get("/api/sync/manifest?x=" + std::string(20000, 'b'), Auth("tok-ana"));
  if (long_uri) {
    EXPECT_TRUE(long_uri->status == 414 || long_uri->status == 400);
  }
  EXPECT_EQ(server_.Stop(), 0);
}

TEST_F(ServeRobustnessTest, SilentAndSlowClientsDoNotBlockOthersAndAreDropped) {
  ASSERT_TRUE(server_.Start(catalog_.ServeArgs({"--read-timeout", "2"})))
      << server_.stderr_text();
  int silent = ConnectRaw(server_.port());
  ASSERT_GE(silent, 0);
  int slow = ConnectRaw(server_.port());
  ASSERT_GE(slow, 0);
  ASSERT_EQ(send(slow, "GET /api/sync/manifest HTTP/1.1\r\n", 33, 0), 33);
  httplib::Client cli("127.0.0.1", server_.port());
  auto r = cli.Get("/api/sync/manifest", Auth("tok-ana"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  // The server drops the silent connection after its read timeout (bounded wait for EOF).
  timeval tv{10, 0};
  setsockopt(silent, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  char buf[256];
  ssize_t n = recv(silent, buf, sizeof(buf), 0);
  EXPECT_EQ(n, 0) << "not closed by the server within the 10 s receive bound";
  close(silent);
  close(slow);
  EXPECT_EQ(server_.Stop(), 0);
}

TEST_F(ServeRobustnessTest, TwoHundredConcurrentConnectionsThenANormalRequestSucceeds) {
  ASSERT_TRUE(server_.Start(catalog_.ServeArgs())) << server_.stderr_text();
  std::vector<int> idle;
  for (int i = 0; i < 200; ++i) {
    int fd = ConnectRaw(server_.port());
    if (fd >= 0) idle.push_back(fd);
  }
  EXPECT_EQ(idle.size(), 200u);
  // And 50 real requests at once on top of them.
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&] {
      httplib::Client cli("127.0.0.1", server_.port());
      auto r = cli.Get("/api/sync/manifest", Auth("tok-ana"));
      if (r && r->status == 200) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 50);
  httplib::Client cli("127.0.0.1", server_.port());
  auto r = cli.Get("/api/data/customers/download", Auth("tok-bo"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  for (int fd : idle) close(fd);
  EXPECT_EQ(server_.Stop(), 0);
}

TEST_F(ServeRobustnessTest, ServesHttpsWithTheGivenCertificate) {
  const std::string cert = catalog_.Join("cert.pem"), key = catalog_.Join("key.pem");
  CommandResult gen = RunCommand({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048",
                                  "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj",
                                  "/CN=127.0.0.1"});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  ASSERT_TRUE(server_.Start(catalog_.ServeArgs({"--tls-cert", cert, "--tls-key", key})))
      << server_.stderr_text();
  EXPECT_TRUE(server_.WaitFor("listening on https://127.0.0.1:", seconds(1)));
  httplib::SSLClient cli("127.0.0.1", server_.port());
  cli.enable_server_certificate_verification(false);
  auto r = cli.Get("/api/data/orders/download", Auth("tok-ana"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, ReadFile(catalog_.Data("sales/orders.parquet")));
  EXPECT_EQ(server_.Stop(), 0);
}

}  // namespace
}  // namespace ferry::testing
