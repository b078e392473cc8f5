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

}  // namespace
}  // namespace ferry
