// `ferry pull` against the real `ferry serve` on loopback, for compressed and conditional
// manifests (docs/PROTOCOL.md "Compression", "Conditional manifests"): the manifest travels
// gzipped; a re-pull of an unchanged catalog gets a 304 and plans from .ferry/manifest.cache;
// a changed one a 200 with a new ETag; a workspace damaged under an unchanged manifest is
// repaired without downloading the manifest; a corrupt cache means a full GET.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "serve/serve_fixture.h"

namespace ferry::testing {
namespace {

namespace fs = std::filesystem;

class ServePullConditionalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start(catalog_.ServeArgs())) << server_.stderr_text();
  }
  void TearDown() override { EXPECT_EQ(server_.Stop(), 0) << server_.stderr_text(); }

  // One `ferry --json pull` as ana; its report.
  nlohmann::json Pull() {
    CommandResult r = RunCommand({FerryBinary(), "--json", "pull", "--server", server_.url(),
                                  "--workspace", ws_.path(), "--token", "tok-ana"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    if (r.exit_code != 0) return nlohmann::json::object();
    return nlohmann::json::parse(r.out);
  }
  // The access-log lines of the manifest so far, as "status=<s> bytes=<n>".
  std::vector<std::string> ManifestLog() {
    std::vector<std::string> out;
    const std::string log = server_.stderr_text();
    const std::regex line("GET /api/sync/manifest user=ana (status=\\d+ bytes=\\d+)");
    for (auto it = std::sregex_iterator(log.begin(), log.end(), line); it != std::sregex_iterator();
         ++it) {
      out.push_back((*it)[1]);
    }
    return out;
  }
  // Waits for the access-log line of the n-th manifest request (the log is written after the
  // response, so it can trail the client's exit).
  void WaitForManifestLines(size_t n) {
    ASSERT_TRUE(
        server_.WaitForCount("GET /api/sync/manifest user=ana", n, std::chrono::seconds(10)))
        << server_.stderr_text();
  }
  std::string CachePath() const { return ws_.path() + "/.ferry/manifest.cache"; }

  SampleCatalog catalog_;
  ServeProcess server_;
  TempDir ws_;
};

TEST_F(ServePullConditionalTest, UnchangedCatalogIs304AndTheManifestTravelsGzipped) {
  nlohmann::json first = Pull();
  EXPECT_EQ(first["manifest"], "downloaded");
  EXPECT_GE(first["data_packages"]["added"].get<int>(), 2);
  ASSERT_TRUE(fs::exists(CachePath()));
  nlohmann::json second = Pull();
  EXPECT_EQ(second["manifest"], "unchanged");
  EXPECT_EQ(second["bytes_downloaded"], 0);
  EXPECT_EQ(second["notes"], nlohmann::json::array());
  WaitForManifestLines(2);
  const std::vector<std::string> log = ManifestLog();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[1], "status=304 bytes=0");

  // The first body was the gzip form: smaller than the identity one.
  httplib::Client cli("127.0.0.1", server_.port());
  cli.set_decompress(false);
  httplib::Headers h = Auth("tok-ana");
  h.emplace("X-Ferry-Features", "parts");
  h.emplace("Accept-Encoding", "identity");
  auto identity = cli.Get("/api/sync/manifest", h);
  ASSERT_TRUE(identity);
  ASSERT_EQ(identity->status, 200);
  EXPECT_FALSE(identity->has_header("Content-Encoding"));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(log[0], m, std::regex("status=200 bytes=(\\d+)"))) << log[0];
  EXPECT_LT(std::stoul(m[1]), identity->body.size()) << "the pull's manifest was not compressed";
}

TEST_F(ServePullConditionalTest, ChangedCatalogIsA200WithANewETag) {
  Pull();
  const std::string before = ReadFile(CachePath());
  // A new version of a table in ana's stack.
  WriteFile(catalog_.Data("sales/orders.parquet"), FakeParquet(300'000, 99));
  nlohmann::json changed = Pull();
  EXPECT_EQ(changed["manifest"], "downloaded");
  EXPECT_EQ(changed["data_packages"]["updated"], 1);
  EXPECT_EQ(ReadFile(ws_.path() + "/data/sales/orders.parquet"), FakeParquet(300'000, 99));
  const std::string after = ReadFile(CachePath());
  auto etag = [](const std::string& cache) { return cache.substr(0, cache.find("\nsize ")); };
  EXPECT_NE(etag(after), etag(before));
  EXPECT_EQ(Pull()["manifest"], "unchanged");
}

TEST_F(ServePullConditionalTest, DamagedWorkspaceIsRepairedUnderAnUnchangedManifest) {
  Pull();
  const std::string orders = ws_.path() + "/data/sales/orders.parquet";
  const std::string shared = ws_.path() + "/data/_shared/customers.parquet";
  fs::remove(orders);
  fs::remove(shared);
  fs::remove(ws_.path() + "/memory/playbook/bundle.md");
  nlohmann::json repaired = Pull();
  EXPECT_EQ(repaired["manifest"], "unchanged");
  EXPECT_EQ(ReadFile(orders), FakeParquet(300'000, 1));
  EXPECT_EQ(ReadFile(ws_.path() + "/data/sales/customers.parquet"), FakeParquet(50'000, 2));
  EXPECT_TRUE(fs::exists(ws_.path() + "/memory/playbook/bundle.md"));
  WaitForManifestLines(2);
  EXPECT_EQ(ManifestLog().back(), "status=304 bytes=0");
}

TEST_F(ServePullConditionalTest, CorruptCacheMeansAFullGet) {
  Pull();
  std::string cache = ReadFile(CachePath());
  cache.back() = cache.back() == '}' ? ']' : '}';
  WriteFile(CachePath(), cache);
  nlohmann::json full = Pull();
  EXPECT_EQ(full["manifest"], "downloaded");
  ASSERT_EQ(full["notes"].size(), 1u) << full.dump();
  EXPECT_EQ(full["notes"][0], "ignored the manifest cache (" + CachePath() +
                                  ": body does not match its sha256); fetched the whole manifest");
  WaitForManifestLines(2);
  EXPECT_NE(ManifestLog().back().find("status=200"), std::string::npos);
  EXPECT_EQ(Pull()["manifest"], "unchanged");  // the full GET rewrote the cache
}

}  // namespace
}  // namespace ferry::testing
