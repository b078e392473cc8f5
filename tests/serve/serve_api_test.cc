// `ferry serve` end to end over loopback: per-user manifests, downloads (md5, Range, ETag,
// parts), refusals (401/403, traversal), stacks (409, persistence across restarts, `ferry
// stack`), memory bundles.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "serve/serve_fixture.h"

namespace ferry::testing {
namespace {

class ServeApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start(catalog_.ServeArgs())) << server_.stderr_text();
  }
  void TearDown() override { EXPECT_EQ(server_.Stop(), 0) << server_.stderr_text(); }

  httplib::Result Get(const std::string& path, const std::string& token,
                      httplib::Headers extra = {}) {
    httplib::Client cli("127.0.0.1", server_.port());
    httplib::Headers h = token.empty() ? httplib::Headers() : Auth(token);
    h.insert(extra.begin(), extra.end());
    return cli.Get(path, h);
  }
  // As ferry pull asks for it (with the `parts` feature; old_client_test.cc has the rest).
  nlohmann::json Manifest(const std::string& token) {
    auto r = Get("/api/sync/manifest", token, {{"X-Ferry-Features", "parts"}});
    EXPECT_TRUE(r) << "no response";
    if (!r) return {};
    EXPECT_EQ(r->status, 200) << r->body;
    return nlohmann::json::parse(r->body);
  }
  static std::set<std::string> Slugs(const nlohmann::json& list) {
    std::set<std::string> out;
    for (const auto& e : list) out.insert(e.contains("slug") ? e["slug"] : e["id"]);
    return out;
  }

  SampleCatalog catalog_;
  ServeProcess server_;
};

TEST_F(ServeApiTest, TwoUsersSeeTheirOwnStacksAndGet403OnEachOthersTables) {
  nlohmann::json ana = Manifest("tok-ana");
  EXPECT_EQ(Slugs(ana["data_packages"]), (std::set<std::string>{"sales", "onboarding"}));
  EXPECT_EQ(Slugs(ana["direct_tables"]), std::set<std::string>{"events"});
  EXPECT_EQ(Slugs(ana["memory_domains"]), std::set<std::string>{"playbook"});
  EXPECT_FALSE(ana["tables"].contains("secret"));
  nlohmann::json bo = Manifest("tok-bo");
  EXPECT_EQ(Slugs(bo["data_packages"]), (std::set<std::string>{"finance", "onboarding"}));
  EXPECT_TRUE(bo["direct_tables"].empty());
  EXPECT_TRUE(bo["memory_domains"].empty());

  auto r = Get("/api/data/secret/download", "tok-ana");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  r = Get("/api/data/orders/download", "tok-bo");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  // An id that does not exist answers exactly like one that is not granted.
  auto unknown = Get("/api/data/nope/download", "tok-bo");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 403);
  EXPECT_EQ(unknown->body, "{\"error\":\"table 'nope' is not in your grants\"}\n");
  r = Get("/api/memory/bundle?domain=playbook", "tok-bo");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  // A table shared through a package both hold is readable by both.
  r = Get("/api/data/customers/download", "tok-bo");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(ServeApiTest, ManifestMd5AndHashEqualTheMd5OfTheDownloadedBytes) {
  nlohmann::json m = Manifest("tok-ana");
  int checked = 0;
  for (const auto& pkg : m["data_packages"]) {
    for (const auto& t : pkg["tables"]) {
      EXPECT_EQ(t["hash"], t["md5"]);
      ASSERT_EQ(t["parquet_url"], "/api/data/" + t["id"].get<std::string>() + "/download");
      auto r = Get(t["parquet_url"], "tok-ana");
      ASSERT_TRUE(r);
      ASSERT_EQ(r->status, 200);
      EXPECT_EQ(Md5Hex(r->body), t["md5"]);
      EXPECT_EQ(r->body.size(), t["size_bytes"].get<size_t>());
      EXPECT_EQ(r->get_header_value("ETag"), "\"" + t["md5"].get<std::string>() + "\"");
      ++checked;
    }
  }
  EXPECT_EQ(checked, 3);  // orders, customers (sales), customers (onboarding)
  const auto& events = m["direct_tables"][0];
  ASSERT_EQ(events["parts"].size(), 2u);
  EXPECT_EQ(events["parts"][0]["path"], "02.parquet");
  EXPECT_EQ(events["parts"][1]["path"], "2026/01.parquet");
  for (const auto& part : events["parts"]) {
    auto r = Get("/api/data/events/download?part=" + part["path"].get<std::string>(), "tok-ana");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
    EXPECT_EQ(Md5Hex(r->body), part["md5"]);
    EXPECT_EQ(r->body, ReadFile(catalog_.Data("events/" + part["path"].get<std::string>())));
  }
}

TEST_F(ServeApiTest, RangeAnswers206WithExactBytesAnd416PastTheEnd) {
  const std::string bytes = ReadFile(catalog_.Data("sales/orders.parquet"));
  auto r = Get("/api/data/orders/download", "tok-ana", {{"Range", "bytes=1000-1999"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 206);
  EXPECT_EQ(r->body, bytes.substr(1000, 1000));
  EXPECT_EQ(r->get_header_value("Content-Range"), "bytes 1000-1999/300000");
  r = Get("/api/data/orders/download", "tok-ana", {{"Range", "bytes=299990-"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 206);
  EXPECT_EQ(r->body, bytes.substr(299990));
  r = Get("/api/data/orders/download", "tok-ana", {{"Range", "bytes=0-0"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 206);
  EXPECT_EQ(r->body, "P");
  r = Get("/api/data/orders/download", "tok-ana", {{"Range", "bytes=300000-"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 416);
  EXPECT_EQ(r->get_header_value("Content-Range"), "bytes */300000");
  r = Get("/api/data/orders/download", "tok-ana", {{"Range", "bytes=zz"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 416);
  // A huge range on a small JSON body must not be applied to it.
  r = Get("/api/sync/manifest", "tok-ana", {{"Range", "bytes=99999999-"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(ServeApiTest, IfNoneMatchWithTheCurrentEtagAnswers304) {
  const std::string md5 = Md5Hex(ReadFile(catalog_.Data("sales/orders.parquet")));
  auto r = Get("/api/data/orders/download", "tok-ana", {{"If-None-Match", "\"" + md5 + "\""}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 304);
  EXPECT_TRUE(r->body.empty());
  r = Get("/api/data/orders/download", "tok-ana", {{"If-None-Match", "\"0000\""}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(ServeApiTest, MissingOrUnknownTokenAnswers401) {
  for (const char* path : {"/api/sync/manifest", "/api/data/orders/download",
                           "/api/memory/bundle?domain=playbook", "/api/catalog"}) {
    auto r = Get(path, "");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401) << path;
    r = Get(path, "tok-nobody");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401) << path;
  }
}

TEST_F(ServeApiTest, PartTraversalAbsoluteEncodedAndSymlinkOutOfRootAreRefused) {
  WriteFile(catalog_.Join("outside.parquet"), "PAR1 secret outside root PAR1");
  ASSERT_EQ(symlink(catalog_.Join("outside.parquet").c_str(),
                    catalog_.Data("events/leak.parquet").c_str()),
            0);
  // The symlink never shows up as a part.
  nlohmann::json m = Manifest("tok-ana");
  EXPECT_EQ(m["direct_tables"][0]["parts"].size(), 2u);
  const std::vector<std::string> attempts = {"../sales/orders.parquet",
                                             "..%2Fsales%2Forders.parquet",
                                             "%2e%2e/sales/orders.parquet",
                                             "/etc/passwd",
                                             "%2Fetc%2Fpasswd",
                                             "2026/../02.parquet",
                                             "leak.parquet",
                                             "../../outside.parquet",
                                             "2026//01.parquet",
                                             "./02.parquet"};
  for (const std::string& part : attempts) {
    auto r = Get("/api/data/events/download?part=" + part, "tok-ana");
    ASSERT_TRUE(r) << part;
    EXPECT_TRUE(r->status == 400 || r->status == 404) << part << " -> " << r->status;
    EXPECT_EQ(r->body.find("secret outside"), std::string::npos);
  }
  for (const char* id : {"..", "..%2F..%2Fetc", "%2e%2e"}) {
    auto r = Get(std::string("/api/data/") + id + "/download", "tok-ana");
    ASSERT_TRUE(r) << id;
    EXPECT_TRUE(r->status == 403 || r->status == 404) << id << " -> " << r->status;
  }
  // A partitioned table needs ?part=, a plain one refuses it.
  auto r = Get("/api/data/events/download", "tok-ana");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  r = Get("/api/data/orders/download?part=x.parquet", "tok-ana");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
}

TEST_F(ServeApiTest, BundleIsTheRenderedDomain) {
  auto r = Get("/api/memory/bundle?domain=playbook", "tok-ana");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body,
            "# Playbook\n\nHow we work\n\n## Required\n\n### Alpha\n\nAlpha body\n\n"
            "## Approved\n\n### Beta\n\nBeta body\n");
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/markdown; charset=utf-8");
  r = Get("/api/memory/bundle?domain=nope", "tok-ana");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
}

TEST_F(ServeApiTest, StackChangesAnswer204And409AndSurviveARestart) {
  httplib::Client cli("127.0.0.1", server_.port());
  auto r = cli.Delete("/api/stack/packages/onboarding", Auth("tok-ana"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 409);
  EXPECT_EQ(r->body, "{\"error\":\"cannot remove required package 'onboarding'\"}\n");
  r = cli.Delete("/api/stack/packages/sales", Auth("tok-ana"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
  r = cli.Delete("/api/stack/packages/finance", Auth("tok-ana"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  r = cli.Put("/api/stack/direct_tables/secret", Auth("tok-ana"), "", "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  r = cli.Delete("/api/stack/memory_domains/playbook", Auth("tok-ana"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
  r = cli.Delete("/api/stack/packages/sales");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  nlohmann::json m = Manifest("tok-ana");
  EXPECT_EQ(Slugs(m["data_packages"]), std::set<std::string>{"onboarding"});
  EXPECT_TRUE(m["memory_domains"].empty());

  // Restart on the same state file (the default, beside the catalog).
  ASSERT_EQ(server_.Stop(), 0);
  ASSERT_TRUE(server_.Start(catalog_.ServeArgs())) << server_.stderr_text();
  m = Manifest("tok-ana");
  EXPECT_EQ(Slugs(m["data_packages"]), std::set<std::string>{"onboarding"});
  EXPECT_TRUE(m["memory_domains"].empty());
  httplib::Client again("127.0.0.1", server_.port());
  r = again.Put("/api/stack/packages/sales", Auth("tok-ana"), "", "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  m = Manifest("tok-ana");
  EXPECT_EQ(Slugs(m["data_packages"]), (std::set<std::string>{"sales", "onboarding"}));
}

TEST_F(ServeApiTest, StackCommandListsAddsRemovesAndMapsRefusalsToExitCodes) {
  const std::string ferry = FerryBinary();
  CommandResult r = RunCommand({ferry, "stack", "list", "--server", server_.url()},
                               std::vector<std::string>{"FERRY_TOKEN=tok-ana"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("  * sales                    Sales\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  * onboarding               Onboarding  (required)\n"), std::string::npos)
      << r.out;
  r = RunCommand({ferry, "stack", "remove", "packages", "onboarding", "--server", server_.url(),
                  "--token", "tok-ana"});
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_EQ(r.err, "ferry: cannot remove required package 'onboarding'\n");
  r = RunCommand({ferry, "stack", "remove", "package", "sales", "--server", server_.url(),
                  "--token", "tok-ana"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "removed packages 'sales' from your stack\n");
  r = RunCommand(
      {ferry, "--json", "stack", "list", "--server", server_.url(), "--token", "tok-ana"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json listed = nlohmann::json::parse(r.out);
  EXPECT_EQ(listed["packages"][0]["slug"], "sales");
  EXPECT_EQ(listed["packages"][0]["in_stack"], false);
  // Not granted (or unknown: the server does not say which) is a request to fix: 2.
  r = RunCommand({ferry, "stack", "add", "packages", "finance", "--server", server_.url(),
                  "--token", "tok-ana"});
  EXPECT_EQ(r.exit_code, 2);
  r = RunCommand({ferry, "stack", "list", "--server", server_.url(), "--token", "wrong"});
  EXPECT_EQ(r.exit_code, 3);
  // No token: asked anyway, as pull does; the server's 401 decides (tests/cli/cli_errors_test).
  r = RunCommand({ferry, "stack", "list", "--server", server_.url()});
  EXPECT_EQ(r.exit_code, 3);
}

}  // namespace
}  // namespace ferry::testing
