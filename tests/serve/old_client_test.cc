// `ferry serve` as a drop-in for the seed's server (issue 13; docs/PROTOCOL.md, "Older
// clients"): the demo catalog, which has a server_only table (payments_raw) and a
// partitioned one (events), pulled by a client that follows only the seed's rules
// (support/seed_client.h) and by the real `ferry pull`, against the real `ferry serve` on
// loopback.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "serve/serve_fixture.h"
#include "support/seed_client.h"

namespace ferry::testing {
namespace {

namespace fs = std::filesystem;

// The demo catalog and its data, copied so the test may edit the catalog and the server may
// write its state file beside it.
class OldClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::copy(std::string(FERRY_SOURCE_DIR) + "/demo", dir_.Join("demo"),
             fs::copy_options::recursive);
    ASSERT_TRUE(server_.Start({"--catalog", Catalog(), "--listen", "127.0.0.1:0"}))
        << server_.stderr_text();
  }
  void TearDown() override { EXPECT_EQ(server_.Stop(), 0) << server_.stderr_text(); }

  std::string Catalog() const { return dir_.Join("demo/catalog.yaml"); }
  std::string Workspace(const std::string& name) const {
    fs::create_directories(dir_.Join(name));
    return dir_.Join(name);
  }
  CommandResult FerryPull(const std::string& token, const std::string& workspace) {
    return RunCommand({FerryBinary(), "pull", "--server", server_.url(), "--workspace", workspace},
                      std::vector<std::string>{"FERRY_TOKEN=" + token});
  }
  httplib::Result Get(const std::string& path, const std::string& token,
                      httplib::Headers extra = {}) {
    httplib::Client cli("127.0.0.1", server_.port());
    httplib::Headers h = Auth(token);
    h.insert(extra.begin(), extra.end());
    return cli.Get(path, h);
  }
  // Makes payments_raw server_only or not, and waits until ana's manifest says so (a reload
  // by the poller and the one of SIGHUP may both happen; only the manifest tells which
  // catalog is served).
  void SetPaymentsRawServerOnly(bool server_only) {
    const std::string from = server_only ? "server_only: false}" : "server_only: true}";
    const std::string to = server_only ? "server_only: true}" : "server_only: false}";
    const std::string line = "file: finance/payments_raw.parquet, query_mode: local, ";
    std::string yaml = ReadFile(Catalog());
    const size_t at = yaml.find(line + from);
    ASSERT_NE(at, std::string::npos) << yaml;
    yaml.replace(at + line.size(), from.size(), to);
    // The server logs a reload once the new catalog serves (on SIGHUP, or its own poll if that
    // comes first): counted before the change, waited for after it; no polling.
    const size_t reloads = server_.CountOf("catalog reloaded");
    WriteFile(Catalog() + ".tmp", yaml);
    fs::rename(Catalog() + ".tmp", Catalog());
    server_.Signal(SIGHUP);
    ASSERT_TRUE(server_.WaitForCount("catalog reloaded", reloads + 1, std::chrono::seconds(20)))
        << server_.stderr_text();
    auto r = Get("/api/sync/manifest", "demo-token-ana");
    ASSERT_TRUE(r && r->status == 200) << server_.stderr_text();
    ASSERT_EQ(nlohmann::json::parse(r->body)["tables"]["payments_raw"]["server_only"], server_only)
        << r->body;
  }

  static std::string Demo(const std::string& rel) {
    return ReadFile(std::string(FERRY_SOURCE_DIR) + "/demo/" + rel);
  }

  TempDir dir_;
  ServeProcess server_;
};

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

std::vector<std::string> Keys(const std::map<std::string, std::string>& files) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : files) keys.push_back(k);
  return keys;
}

// The acceptance test: every pull of the seed's client used to log payments_raw's
// 403 and events' 400. Now it sees neither as a file, and gets exactly what ferry pull gets
// but the partitioned table, for a user with both tables (ana) and one without (bob).
TEST_F(OldClientTest, SeedRulesClientPullsWithoutErrorsWhatFerryPullPulls) {
  for (const std::string user : {"ana", "bob"}) {
    SCOPED_TRACE(user);
    const std::string token = "demo-token-" + user;
    const std::string seed_ws = Workspace(user + "-seed");
    SeedPullOutcome seed = SeedPull(server_.port(), token, seed_ws);
    EXPECT_TRUE(seed.errors.empty()) << Joined(seed.errors);
    for (const std::string& r : seed.requests) {
      EXPECT_EQ(r.substr(r.size() - 6), "-> 200") << r;  // no 4xx/5xx, nothing but 200
    }

    const std::string ferry_ws = Workspace(user + "-ferry");
    CommandResult pulled = FerryPull(token, ferry_ws);
    ASSERT_EQ(pulled.exit_code, 0) << pulled.out << pulled.err;

    std::map<std::string, std::string> parts;
    const std::map<std::string, std::string> by_ferry = PulledFiles(ferry_ws, &parts);
    const std::map<std::string, std::string> by_seed = PulledFiles(seed_ws);
    EXPECT_EQ(Keys(by_seed), Keys(by_ferry));
    EXPECT_TRUE(by_seed == by_ferry) << "same paths, different bytes";
    // ferry pull has what the seed's client skips: the parts of events (both users have the
    // product package), under the canonical directory and the package's reference.
    EXPECT_EQ(parts.at("data/_shared/events.parquet/2025/part-1.parquet"),
              Demo("data/events/2025/part-1.parquet"));
    EXPECT_EQ(parts.count("data/product/events.parquet/2024/part-0.parquet"), 1u);
    EXPECT_EQ(parts.size(), 6u);
    EXPECT_EQ(seed.skipped_remote, user == "ana" ? 2 : 1);  // payments_raw (ana), events

    // Neither has the server_only table.
    EXPECT_EQ(by_ferry.count("data/finance/payments_raw.parquet"), 0u);
    EXPECT_EQ(by_ferry.count("data/_shared/payments_raw.parquet"), 0u);
    if (user == "ana") {
      EXPECT_EQ(by_ferry.at("data/_direct/fx_rates.parquet"),
                Demo("data/finance/fx_rates.parquet"));
      EXPECT_EQ(by_ferry.count("memory/glossary/bundle.md"), 1u);
    }

    // Every pull, not just the first: the next one is as clean and downloads nothing.
    SeedPullOutcome again = SeedPull(server_.port(), token, seed_ws);
    EXPECT_TRUE(again.errors.empty()) << Joined(again.errors);
    EXPECT_EQ(again.table_fetches, 0);
  }
}

TEST_F(OldClientTest, FerryPullPullsThePartitionedTableAndDropsATableTurnedServerOnly) {
  SetPaymentsRawServerOnly(false);
  const std::string ws = Workspace("ana");
  CommandResult pulled = FerryPull("demo-token-ana", ws);
  ASSERT_EQ(pulled.exit_code, 0) << pulled.out << pulled.err;
  EXPECT_EQ(ReadFile(ws + "/data/finance/payments_raw.parquet"),
            Demo("data/finance/payments_raw.parquet"));

  SetPaymentsRawServerOnly(true);
  pulled = FerryPull("demo-token-ana", ws);
  ASSERT_EQ(pulled.exit_code, 0) << pulled.out << pulled.err;
  std::map<std::string, std::string> parts;
  const std::map<std::string, std::string> files = PulledFiles(ws, &parts);
  EXPECT_EQ(files.count("data/finance/payments_raw.parquet"), 0u);
  EXPECT_EQ(files.count("data/_shared/payments_raw.parquet"), 0u);
  EXPECT_FALSE(fs::exists(fs::symlink_status(ws + "/data/finance/payments_raw.parquet")));
  EXPECT_EQ(files.at("data/finance/invoices.parquet"), Demo("data/finance/invoices.parquet"));
  for (const char* part : {"2024/part-0.parquet", "2025/part-0.parquet", "2025/part-1.parquet"}) {
    EXPECT_EQ(parts.at(std::string("data/product/events.parquet/") + part),
              Demo(std::string("data/events/") + part))
        << part;
  }
}

TEST_F(OldClientTest, ManifestFormFollowsTheFeaturesHeaderAndSaysItVaries) {
  auto old_form = Get("/api/sync/manifest", "demo-token-ana");
  auto pull_form = Get("/api/sync/manifest", "demo-token-ana", {{"X-Ferry-Features", "parts"}});
  ASSERT_TRUE(old_form && pull_form);
  ASSERT_EQ(old_form->status, 200);
  ASSERT_EQ(pull_form->status, 200);
  EXPECT_EQ(old_form->get_header_value("Vary"), "X-Ferry-Features, Accept-Encoding");
  EXPECT_EQ(pull_form->get_header_value("Vary"), "X-Ferry-Features, Accept-Encoding");
  auto events_of = [](const std::string& body) {
    nlohmann::json m = nlohmann::json::parse(body);
    for (const auto& p : m["data_packages"]) {
      if (p["slug"] == "product") return p["tables"][0];
    }
    return nlohmann::json();
  };
  nlohmann::json old_events = events_of(old_form->body);
  nlohmann::json pull_events = events_of(pull_form->body);
  EXPECT_EQ(old_events["query_mode"], "remote");
  EXPECT_FALSE(old_events.contains("parts"));
  EXPECT_EQ(pull_events["query_mode"], "local");
  EXPECT_EQ(pull_events["parts"].size(), 3u);
  // The server_only table is remote in both forms.
  for (const std::string& body : {old_form->body, pull_form->body}) {
    nlohmann::json m = nlohmann::json::parse(body);
    EXPECT_EQ(m["tables"]["payments_raw"]["query_mode"], "remote");
    EXPECT_EQ(m["tables"]["payments_raw"]["server_only"], true);
  }
  // A client that asks for the partitioned table's file anyway is told why, plainly.
  auto r = Get("/api/data/events/download", "demo-token-ana");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->body,
            "{\"error\":\"table 'events' is partitioned and has no single file; ask for one part "
            "with ?part=<path> (clients that send 'X-Ferry-Features: parts' see the parts in "
            "the manifest)\"}\n");
}

}  // namespace
}  // namespace ferry::testing
