#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "base/progress_sinks.h"
#include "base/progress_test_support.h"

namespace ferry {
namespace {

using namespace ferry::testing;  // NOLINT: event builders

class JsonLinesProgressSinkTest : public ::testing::Test {
 protected:
  void At(int64_t ms, const ProgressEvent& e) {
    clock_.SetMs(ms);
    sink_->OnEvent(e);
  }

  MemoryFile out_;
  ManualClock clock_;
  std::unique_ptr<ProgressSink> sink_ = NewJsonLinesProgressSink(out_.get(), clock_.AsFunction());
};

TEST_F(JsonLinesProgressSinkTest, WritesOneCompactObjectPerEvent) {
  At(0, Plan(2, 300));
  At(10, ItemStart("runs/2026-01-01/a.parquet"));
  At(20, Bytes("runs/2026-01-01/a.parquet", 100));
  At(30, ItemDone("runs/2026-01-01/a.parquet"));
  At(40, ItemDone("b", false, "hash mismatch"));
  At(50, Note("quote \" and newline\n"));
  At(1500, Finish());
  EXPECT_EQ(out_.text(),
            "{\"event\":\"plan\",\"files_total\":2,\"bytes_total\":300}\n"
            "{\"event\":\"item_start\",\"item\":\"runs/2026-01-01/a.parquet\"}\n"
            "{\"event\":\"bytes\",\"item\":\"runs/2026-01-01/a.parquet\",\"bytes\":100}\n"
            "{\"event\":\"item_done\",\"item\":\"runs/2026-01-01/a.parquet\",\"ok\":true}\n"
            "{\"event\":\"item_done\",\"item\":\"b\",\"ok\":false,\"message\":\"hash mismatch\"}\n"
            "{\"event\":\"note\",\"message\":\"quote \\\" and newline\\n\"}\n"
            "{\"event\":\"finish\",\"ok\":true,\"files_done\":2,\"files_failed\":1,"
            "\"bytes_done\":100,\"elapsed_ms\":1500}\n");
}

TEST_F(JsonLinesProgressSinkTest, EveryLineParsesBackToTheEvent) {
  At(0, Bytes("x", 7));
  At(5, Finish(false, "cancelled by user"));
  std::istringstream lines(out_.text());
  std::string line;
  ASSERT_TRUE(std::getline(lines, line));
  nlohmann::json bytes = nlohmann::json::parse(line);
  EXPECT_EQ(bytes["event"], "bytes");
  EXPECT_EQ(bytes["bytes"], 7);
  ASSERT_TRUE(std::getline(lines, line));
  nlohmann::json finish = nlohmann::json::parse(line);
  EXPECT_EQ(finish["ok"], false);
  EXPECT_EQ(finish["message"], "cancelled by user");
  EXPECT_EQ(finish["elapsed_ms"], 5);
  EXPECT_FALSE(std::getline(lines, line));
}

TEST_F(JsonLinesProgressSinkTest, InvalidUtf8InANameIsReplacedNotFatal) {
  At(0, ItemStart("caf\xe9.csv"));  // Latin-1 e-acute from an old disk
  EXPECT_EQ(out_.text(), "{\"event\":\"item_start\",\"item\":\"caf\xEF\xBF\xBD.csv\"}\n");
}

// One test per kind that is not in WritesOneCompactObjectPerEvent: the exact line.
TEST_F(JsonLinesProgressSinkTest, StartedNamesTheOperationTheWorkspaceAndThePeer) {
  ProgressEvent e;
  e.kind = ProgressEvent::Kind::kStarted;
  e.operation = "pull";
  e.item = "/home/ana/ws";
  e.peer = "http://catalog:8080";
  At(0, e);
  EXPECT_EQ(out_.text(),
            "{\"event\":\"started\",\"operation\":\"pull\",\"item\":\"/home/ana/ws\","
            "\"peer\":\"http://catalog:8080\"}\n");
}

TEST_F(JsonLinesProgressSinkTest, ItemDoneCarriesTheBytesAndTheDigestWhenKnown) {
  ProgressEvent e = ItemDone("sales/orders");
  e.size_bytes = 300000;
  e.digest = "9e107d9d372bb6826bd81d3542a419d6";
  At(0, e);
  ProgressEvent empty = ItemDone("_direct/empty");
  empty.size_bytes = 0;  // an empty file still says so
  At(1, empty);
  EXPECT_EQ(out_.text(),
            "{\"event\":\"item_done\",\"item\":\"sales/orders\",\"ok\":true,\"bytes\":300000,"
            "\"digest\":\"9e107d9d372bb6826bd81d3542a419d6\"}\n"
            "{\"event\":\"item_done\",\"item\":\"_direct/empty\",\"ok\":true,\"bytes\":0}\n");
}

TEST_F(JsonLinesProgressSinkTest, ReferenceMadeNamesTheCanonicalAndTheStrategy) {
  ProgressEvent e;
  e.kind = ProgressEvent::Kind::kReferenceMade;
  e.item = "/ws/data/sales/orders.parquet";
  e.target = "/ws/data/_shared/orders.parquet";
  e.strategy = "symlink";
  At(0, e);
  EXPECT_EQ(out_.text(),
            "{\"event\":\"reference_made\",\"item\":\"/ws/data/sales/orders.parquet\","
            "\"target\":\"/ws/data/_shared/orders.parquet\",\"strategy\":\"symlink\"}\n");
}

TEST_F(JsonLinesProgressSinkTest, RemovedSaysWhatLeftTheDisk) {
  ProgressEvent e;
  e.kind = ProgressEvent::Kind::kRemoved;
  e.item = "/ws/data/old/x.parquet";
  e.what = "reference";
  At(0, e);
  EXPECT_EQ(out_.text(),
            "{\"event\":\"removed\",\"item\":\"/ws/data/old/x.parquet\",\"what\":"
            "\"reference\"}\n");
}

TEST_F(JsonLinesProgressSinkTest, WarningNamesItsItemOnlyWhenItHasOne) {
  ProgressEvent about;
  about.kind = ProgressEvent::Kind::kWarning;
  about.item = "sales/orders";
  about.message = "md5 mismatch";
  At(0, about);
  ProgressEvent general;
  general.kind = ProgressEvent::Kind::kWarning;
  general.message = "healed: orphan canonical removed";
  At(1, general);
  EXPECT_EQ(out_.text(),
            "{\"event\":\"warning\",\"item\":\"sales/orders\",\"message\":\"md5 mismatch\"}\n"
            "{\"event\":\"warning\",\"message\":\"healed: orphan canonical removed\"}\n");
}

TEST_F(JsonLinesProgressSinkTest, FinishCarriesTheSummaryInItsOwnObject) {
  ProgressEvent e = Finish();
  e.summary = ProgressSummary{3, 1, 2, 4096, 1, 1};
  At(250, e);
  EXPECT_EQ(out_.text(),
            "{\"event\":\"finish\",\"ok\":true,\"files_done\":0,\"files_failed\":0,"
            "\"bytes_done\":0,\"elapsed_ms\":0,\"summary\":{\"added\":3,\"updated\":1,"
            "\"removed\":2,\"bytes\":4096,\"failures\":1,\"exit_status\":1}}\n");
}

TEST(TeeProgressSinkTest, EverySinkSeesEveryEventInOrder) {
  MemoryFile a, b;
  ManualClock clock;
  std::vector<std::unique_ptr<ProgressSink>> sinks;
  sinks.push_back(NewJsonLinesProgressSink(a.get(), clock.AsFunction()));
  sinks.push_back(NewJsonLinesProgressSink(b.get(), clock.AsFunction()));
  std::unique_ptr<ProgressSink> tee = NewTeeProgressSink(std::move(sinks));
  tee->OnEvent(ItemStart("x"));
  tee->OnEvent(Note("n"));
  const std::string want =
      "{\"event\":\"item_start\",\"item\":\"x\"}\n{\"event\":\"note\",\"message\":\"n\"}\n";
  EXPECT_EQ(a.text(), want);
  EXPECT_EQ(b.text(), want);
}

}  // namespace
}  // namespace ferry
