// The pull's events (pull_events.h) as the --events stream writes them: the exact sequence
// for a pull that adds, updates and removes, and the helpers' own lines.
#include "pull/pull_events.h"

#include <gtest/gtest.h>

#include <string>

#include "base/mem_env.h"
#include "base/progress_sinks.h"
#include "base/progress_test_support.h"
#include "pull/pull_engine.h"
#include "pull/pull_test_util.h"

namespace ferry::pull {
namespace {

using nlohmann::json;
using testing::FakeCatalog;
using testing::Md5Hex;
using testing::Package;
using testing::TableBytes;

constexpr char kRoot[] = "/ws";

class PullEventsTest : public ::testing::Test {
 protected:
  PullOptions Options(ProgressSink* progress) {
    PullOptions o;
    o.workspace = kRoot;
    o.server_url = testing::kServer;
    o.jobs = 1;  // one download at a time: the event order is fixed
    o.retry.max_attempts = 1;
    o.link_order = {LinkStrategy::kCopy};  // an updated table's reference is made again
    o.progress = progress;
    return o;
  }

  // Pulls and returns the JSON lines its events make (the clock stands still: no timing).
  std::string PullEvents() {
    ferry::testing::MemoryFile out;
    ferry::testing::ManualClock clock;
    std::unique_ptr<ProgressSink> sink = NewJsonLinesProgressSink(out.get(), clock.AsFunction());
    mem_.AdvanceClock(10'000'000'000);
    Result<PullOutcome> r = RunPull(&mem_, &http_, Options(sink.get()));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (r.ok()) report_ = r->report;
    return out.text();
  }

  MemEnv mem_;
  ScriptedHttpClient http_;
  FakeCatalog catalog_{&http_};
  SyncReport report_;
};

TEST_F(PullEventsTest, PullThatAddsUpdatesAndRemovesEmitsEachStepInOrder) {
  catalog_.SetTable("tbl_a", TableBytes("tbl_a", 1));
  catalog_.SetTable("tbl_b", TableBytes("tbl_b", 1));
  catalog_.SetManifest(json::array({catalog_.Entry("tbl_a", "a"), catalog_.Entry("tbl_b", "b")}),
                       json::array(), json::array());
  PullEvents();

  const std::string a2 = TableBytes("tbl_a", 2), c1 = TableBytes("tbl_c", 1);
  catalog_.SetTable("tbl_a", a2);
  catalog_.SetTable("tbl_c", c1);
  catalog_.SetManifest(json::array({catalog_.Entry("tbl_a", "a"), catalog_.Entry("tbl_c", "c")}),
                       json::array(), json::array());
  const std::string got = PullEvents();
  const std::string a = std::to_string(a2.size()), c = std::to_string(c1.size());
  EXPECT_EQ(got,
            "{\"event\":\"started\",\"operation\":\"pull\",\"item\":\"/ws\","
            "\"peer\":\"http://catalog.test\"}\n"
            "{\"event\":\"plan\",\"files_total\":2,\"bytes_total\":" +
                std::to_string(a2.size() + c1.size()) +
                "}\n"
                "{\"event\":\"item_start\",\"item\":\"_direct/a\"}\n"
                "{\"event\":\"bytes\",\"item\":\"_direct/a\",\"bytes\":" +
                a +
                "}\n"
                "{\"event\":\"item_done\",\"item\":\"_direct/a\",\"ok\":true,\"bytes\":" +
                a + ",\"digest\":\"" + Md5Hex(a2) +
                "\"}\n"
                // A table's reference is made as soon as it arrives (--jobs 1: before the
                // next download starts).
                "{\"event\":\"reference_made\",\"item\":\"/ws/data/_direct/a.parquet\","
                "\"target\":\"/ws/data/_shared/tbl_a.parquet\",\"strategy\":\"copy\"}\n"
                "{\"event\":\"item_start\",\"item\":\"_direct/c\"}\n"
                "{\"event\":\"bytes\",\"item\":\"_direct/c\",\"bytes\":" +
                c +
                "}\n"
                "{\"event\":\"item_done\",\"item\":\"_direct/c\",\"ok\":true,\"bytes\":" +
                c + ",\"digest\":\"" + Md5Hex(c1) +
                "\"}\n"
                "{\"event\":\"reference_made\",\"item\":\"/ws/data/_direct/c.parquet\","
                "\"target\":\"/ws/data/_shared/tbl_c.parquet\",\"strategy\":\"copy\"}\n"
                "{\"event\":\"removed\",\"item\":\"/ws/data/_direct/b.parquet\","
                "\"what\":\"reference\"}\n"
                "{\"event\":\"removed\",\"item\":\"/ws/data/_shared/tbl_b.parquet\","
                "\"what\":\"canonical\"}\n");
  // The summary the caller sends with kFinish has the report's counts.
  const ProgressSummary s = SummaryOf(report_, 0);
  EXPECT_EQ(s.added, 1u);
  EXPECT_EQ(s.updated, 1u);
  EXPECT_EQ(s.removed, 1u);
  EXPECT_EQ(s.bytes, a2.size() + c1.size());
  EXPECT_EQ(s.failures, 0u);
}

TEST_F(PullEventsTest, DroppedPackageAndBundleAreRemovedEvents) {
  catalog_.SetTable("tbl_x", TableBytes("tbl_x", 1));
  catalog_.SetBundle("ops", testing::BundleBytes("ops", 1));
  catalog_.SetManifest(json::array(),
                       json::array({Package("old", json::array({catalog_.Entry("tbl_x", "x")}))}),
                       json::array({catalog_.Domain("ops")}));
  PullEvents();
  catalog_.SetManifest(json::array(), json::array(), json::array());
  EXPECT_EQ(PullEvents(),
            "{\"event\":\"started\",\"operation\":\"pull\",\"item\":\"/ws\","
            "\"peer\":\"http://catalog.test\"}\n"
            "{\"event\":\"plan\",\"files_total\":0,\"bytes_total\":0}\n"
            "{\"event\":\"removed\",\"item\":\"/ws/data/old/x.parquet\",\"what\":\"reference\"}\n"
            "{\"event\":\"removed\",\"item\":\"/ws/data/_shared/tbl_x.parquet\","
            "\"what\":\"canonical\"}\n"
            "{\"event\":\"removed\",\"item\":\"/ws/data/old\",\"what\":\"package\"}\n"
            "{\"event\":\"removed\",\"item\":\"/ws/memory/ops/bundle.md\",\"what\":\"bundle\"}\n");
}

TEST(PullEventsHelpersTest, ReportLinesBecomeWarningsWordedAsTheReportWordsThem) {
  SyncReport r;
  r.data_packages.errors.push_back({"sales", "orders", "md5 mismatch", StatusCode::kCorruption});
  r.direct_tables.errors.push_back({"", "events", "HTTP 500", StatusCode::kUnavailable});
  r.invariant_violations.push_back("broken reference x");
  r.healed.push_back("orphan y removed");
  r.notes.push_back("kept /ws/data/p: it holds files ferry did not create (z)");
  ferry::testing::MemoryFile out;
  ferry::testing::ManualClock clock;
  std::unique_ptr<ProgressSink> sink = NewJsonLinesProgressSink(out.get(), clock.AsFunction());
  EmitReportWarnings(sink.get(), r);
  EmitReportWarnings(nullptr, r);  // no sink: nothing to do, nothing to crash on
  EXPECT_EQ(out.text(),
            "{\"event\":\"warning\",\"item\":\"events\",\"message\":\"HTTP 500\"}\n"
            "{\"event\":\"warning\",\"item\":\"sales/orders\",\"message\":\"md5 mismatch\"}\n"
            "{\"event\":\"warning\",\"message\":\"invariant violation: broken reference x\"}\n"
            "{\"event\":\"warning\",\"message\":\"healed: orphan y removed\"}\n"
            "{\"event\":\"warning\",\"message\":\"kept /ws/data/p: it holds files ferry did not "
            "create (z)\"}\n");
  const ProgressSummary s = SummaryOf(r, 1);
  EXPECT_EQ(s.failures, 2u);
  EXPECT_EQ(s.exit_status, 1);
}

}  // namespace
}  // namespace ferry::pull
