// `ferry pull --events` end to end: the real binary against a real `ferry serve` on loopback
// (the sample catalog of tests/serve/serve_fixture.h: two single-file tables in a package, a
// partitioned table as a direct table, a memory domain). Every line of the stream must parse
// as JSON, each downloaded file's digest must be the md5 of the bytes now in the workspace,
// and the closing summary must say what the report says.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "serve/serve_fixture.h"

namespace ferry::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Every line of `text` as JSON; a line that does not parse fails the test.
std::vector<json> ParseLines(const std::string& text) {
  std::vector<json> events;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << line;
    events.push_back(std::move(j));
  }
  EXPECT_FALSE(text.empty() || text.back() != '\n') << "the last line is not complete";
  return events;
}

class PullEventsBinaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start(catalog_.ServeArgs())) << server_.stderr_text();
    fs::create_directories(workspace_);
  }
  void TearDown() override { EXPECT_EQ(server_.Stop(), 0) << server_.stderr_text(); }

  CommandResult Pull(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {FerryBinary(), "pull",    "--server",    server_.url(),
                                     "--token",     "tok-ana", "--workspace", workspace_};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCommand(args);
  }

  // The checks every complete stream passes: started first, finish last and only there,
  // item_done digests equal to the md5 of the reference's bytes.
  void ExpectWellFormed(const std::vector<json>& events) {
    ASSERT_GE(events.size(), 3u);
    EXPECT_EQ(events.front()["event"], "started");
    EXPECT_EQ(events.front()["operation"], "pull");
    EXPECT_EQ(events.front()["item"], workspace_);
    EXPECT_EQ(events.back()["event"], "finish");
    int digests = 0;
    for (size_t i = 0; i < events.size(); ++i) {
      const json& e = events[i];
      if (i + 1 < events.size()) {
        EXPECT_NE(e["event"], "finish") << e.dump();
      }
      if (e["event"] != "item_done") continue;
      EXPECT_EQ(e["ok"], true) << e.dump();
      const std::string item = e["item"];  // "<package>/<name>"
      const std::string ref = workspace_ + "/data/" + item + ".parquet";
      if (e.contains("digest")) {
        ++digests;
        EXPECT_EQ(e["digest"], Md5Hex(ReadFile(ref))) << item;
        EXPECT_EQ(e["bytes"], fs::file_size(ref)) << item;
      } else {
        // Partitioned: a directory; its bytes are its parts'.
        uint64_t total = 0;
        for (const auto& f : fs::recursive_directory_iterator(ref)) {
          if (f.is_regular_file()) total += f.file_size();
        }
        EXPECT_EQ(e["bytes"], total) << item;
      }
    }
    EXPECT_EQ(digests, 2) << "orders and customers are single files";
  }

  // The finish summary against the --json report.
  static void ExpectSummaryIsTheReport(const json& finish, const json& report, int exit_code) {
    int added = 0, updated = 0, removed = 0;
    size_t failures = 0;
    for (const char* type : {"direct_tables", "data_packages", "memory_domains"}) {
      added += report[type]["added"].get<int>();
      updated += report[type]["updated"].get<int>();
      removed += report[type]["removed"].get<int>();
      failures += report[type]["errors"].size();
    }
    const json& s = finish["summary"];
    EXPECT_EQ(s["added"], added);
    EXPECT_EQ(s["updated"], updated);
    EXPECT_EQ(s["removed"], removed);
    EXPECT_EQ(s["failures"], failures);
    EXPECT_EQ(s["bytes"], report["bytes_downloaded"]);
    EXPECT_EQ(s["exit_status"], exit_code);
  }

  SampleCatalog catalog_;
  ServeProcess server_;
  TempDir tmp_;
  std::string workspace_ = tmp_.Join("ws");
};

TEST_F(PullEventsBinaryTest, EventsFileBesideTheJsonReport) {
  const std::string events_path = tmp_.Join("events.jsonl");
  CommandResult r = Pull({"--events", events_path, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json report = json::parse(r.out);
  std::vector<json> events = ParseLines(ReadFile(events_path));
  ExpectWellFormed(events);
  ASSERT_FALSE(events.empty());
  ExpectSummaryIsTheReport(events.back(), report, 0);
  EXPECT_EQ(events.back()["ok"], true);
  EXPECT_GT(report["bytes_downloaded"].get<uint64_t>(), 0u);
  // Every reference in the report's counts has its reference_made line.
  int made = 0;
  for (const json& e : events) made += e["event"] == "reference_made";
  EXPECT_EQ(made, 4) << "sales/orders, sales/customers, onboarding/customers (a required "
                        "package), _direct/events";
}

TEST_F(PullEventsBinaryTest, EventsOnStdoutMoveTheReportToStderr) {
  CommandResult r = Pull({"--events", "-"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> events = ParseLines(r.out);  // stdout holds events and nothing else
  ExpectWellFormed(events);
  EXPECT_NE(r.err.find("direct tables: 1 added, 0 updated, 0 removed"), std::string::npos) << r.err;
  ASSERT_FALSE(events.empty());
  const json& s = events.back()["summary"];
  EXPECT_EQ(s["added"], 5) << "four references and the playbook bundle";
  EXPECT_EQ(s["exit_status"], 0);

  // A second pull has nothing to do: started, plan, finish.
  CommandResult again = Pull({"--events", "-"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  std::vector<json> noop = ParseLines(again.out);
  ASSERT_EQ(noop.size(), 3u) << again.out;
  EXPECT_EQ(noop[1]["event"], "plan");
  EXPECT_EQ(noop[2]["summary"], json({{"added", 0},
                                      {"updated", 0},
                                      {"removed", 0},
                                      {"bytes", 0},
                                      {"failures", 0},
                                      {"exit_status", 0}}));
}

TEST_F(PullEventsBinaryTest, WholePullFailureStillEndsTheStreamWithFinish) {
  CommandResult r = RunCommand({FerryBinary(), "pull", "--server", server_.url(), "--token",
                                "wrong", "--workspace", workspace_, "--events", "-"});
  ASSERT_EQ(r.exit_code, 3) << r.err;
  std::vector<json> events = ParseLines(r.out);
  ASSERT_EQ(events.size(), 2u) << r.out;
  EXPECT_EQ(events[0]["event"], "started");
  EXPECT_EQ(events[1]["event"], "finish");
  EXPECT_EQ(events[1]["ok"], false);
  EXPECT_EQ(events[1]["summary"]["exit_status"], 3);
  EXPECT_EQ(events[1]["message"].get<std::string>() + "\n", r.err.substr(7)) << r.err;
}

TEST_F(PullEventsBinaryTest, UnwritableEventsFileIsAUsageErrorBeforeAnythingHappens) {
  const std::string bad = tmp_.Join("no/such/dir/events.jsonl");
  CommandResult r = Pull({"--events", bad});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "ferry: --events " + bad +
                       ": cannot open for writing: No such file or directory (pass a writable "
                       "path, or - for stdout)\n");
  EXPECT_FALSE(fs::exists(workspace_ + "/.ferry")) << "nothing was pulled";
}

TEST_F(PullEventsBinaryTest, EventsOnStdoutWithJsonIsRefused) {
  CommandResult r = Pull({"--events", "-", "--json"});
  EXPECT_EQ(r.exit_code, 2);
  const json doc = json::parse(r.out);
  EXPECT_EQ(doc["error"]["message"],
            "--events - and --json both write to stdout; pass --events FILE with --json");
}

}  // namespace
}  // namespace ferry::testing
