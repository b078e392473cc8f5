// Issue 14, end to end: the real `ferry pull --cacert` against the real `ferry serve` behind a
// real nginx that terminates TLS and speaks HTTP/2 (the setup docs/DESIGN.md "HTTP/2"
// describes; tests/support/nginx_tls_server.h). nginx's access log shows what went over the
// wire: every request HTTP/2, and the whole pull, manifest and every table, on one client
// connection.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "serve/serve_fixture.h"
#include "support/nginx_tls_server.h"

namespace ferry::testing {
namespace {

constexpr int kTables = 40;

std::string TableBytes(int i) { return FakeParquet(20'000 + 3'000 * i, 100 + i); }

class PullOverH2ProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string yaml = "root: ./data\ntables:\n";
    std::string ids;
    for (int i = 0; i < kTables; ++i) {
      const std::string id = "t" + std::to_string(i);
      ASSERT_TRUE(WriteFile(dir_.Join("data/big/" + id + ".parquet"), TableBytes(i)));
      yaml += "  - {id: " + id + ", file: big/" + id + ".parquet}\n";
      ids += (i > 0 ? ", " : "") + id;
    }
    yaml += "packages:\n  - {slug: big, name: Big, tables: [" + ids +
            "]}\n"
            "users:\n"
            "  - name: ana\n"
            "    token_sha256: " +
            HashHex(HashAlgorithm::kSha256, "tok-ana") +
            "\n"
            "    grants: {packages: [big]}\n"
            "    stack: {packages: [big]}\n";
    ASSERT_TRUE(WriteFile(dir_.Join("catalog.yaml"), yaml));
    ASSERT_TRUE(server_.Start({"--catalog", dir_.Join("catalog.yaml"), "--listen", "127.0.0.1:0"}))
        << server_.stderr_text();
    NginxTlsOptions o;
    o.proxy_to = server_.url();
    std::string error;
    ASSERT_TRUE(nginx_.Start(o, &error)) << error;
  }
  void TearDown() override {
    nginx_.Stop();
    EXPECT_EQ(server_.Stop(), 0) << server_.stderr_text();
  }

  CommandResult Pull(const std::vector<std::string>& extra,
                     const std::vector<std::string>& env = {}) {
    std::vector<std::string> argv = {FerryBinary(), "--json",       "pull",
                                     "--server",    nginx_.url(""), "--workspace",
                                     ws_.path(),    "--token",      "tok-ana"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    RunOptions o;
    o.env_unset = {"FERRY_TOKEN", "FERRY_CA_BUNDLE"};
    o.env_add = env;
    return RunCommand(argv, o);
  }

  TempDir dir_;
  ServeProcess server_;
  NginxTlsServer nginx_;
  TempDir ws_;
};

TEST_F(PullOverH2ProxyTest, AWholePullIsMultiplexedOverOneHttp2Connection) {
  CommandResult r = Pull({"--cacert", nginx_.ca_file()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (int i = 0; i < kTables; ++i) {
    const std::string path = ws_.path() + "/data/big/t" + std::to_string(i) + ".parquet";
    EXPECT_TRUE(ReadFile(path) == TableBytes(i)) << path;
  }

  auto downloads_of = [](const std::vector<NginxLogEntry>& log) {
    int n = 0;
    for (const NginxLogEntry& e : log) n += e.uri.find("/download") != std::string::npos;
    return n;
  };
  // nginx logs a request after its last byte went out: the pull can exit first.
  const std::vector<NginxLogEntry> log = nginx_.WaitForAccessLog(
      [&](const std::vector<NginxLogEntry>& l) { return downloads_of(l) == kTables; },
      std::chrono::seconds(20));
  std::set<long long> connections;
  for (const NginxLogEntry& e : log) {
    EXPECT_EQ(e.protocol, "HTTP/2.0") << e.method << " " << e.uri;
    EXPECT_EQ(e.status, 200) << e.method << " " << e.uri;
    connections.insert(e.connection);
  }
  EXPECT_EQ(downloads_of(log), kTables);
  // The manifest's connection is kept alive and every download becomes a stream of it.
  EXPECT_EQ(connections.size(), 1u) << log.size() << " requests";
}

TEST_F(PullOverH2ProxyTest, TheCaBundleComesFromTheEnvironmentToo) {
  CommandResult r = Pull({}, {"FERRY_CA_BUNDLE=" + nginx_.ca_file()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(ReadFile(ws_.path() + "/data/big/t7.parquet") == TableBytes(7));
}

TEST_F(PullOverH2ProxyTest, WithoutTheCaTheServerIsRefusedAndAMissingCaFileIsAUsageError) {
  CommandResult r = Pull({});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("SSL certificate problem"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--cacert FILE or $FERRY_CA_BUNDLE"), std::string::npos) << r.err;
  EXPECT_TRUE(nginx_.AccessLog().empty());

  const std::string missing = dir_.Join("no-such-ca.pem");
  r = Pull({"--cacert", missing});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--cacert"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
  EXPECT_TRUE(nginx_.AccessLog().empty());
}

TEST_F(PullOverH2ProxyTest, StackTrustsTheSameCa) {
  RunOptions o;
  o.env_unset = {"FERRY_TOKEN", "FERRY_CA_BUNDLE"};
  CommandResult r = RunCommand({FerryBinary(), "--json", "stack", "list", "--server",
                                nginx_.url(""), "--token", "tok-ana", "--cacert", nginx_.ca_file()},
                               o);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"big\""), std::string::npos) << r.out;
  o.env_add = {"FERRY_CA_BUNDLE=" + dir_.Join("missing.pem")};
  r = RunCommand({FerryBinary(), "stack", "list", "--server", nginx_.url(""), "--token", "tok-ana"},
                 o);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("$FERRY_CA_BUNDLE: open " + dir_.Join("missing.pem")), std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace ferry::testing
