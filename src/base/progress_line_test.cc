#include <gtest/gtest.h>

#include "base/progress_sinks.h"
#include "base/progress_test_support.h"

namespace ferry {
namespace {

using namespace ferry::testing;  // NOLINT: event builders

class LineProgressSinkTest : public ::testing::Test {
 protected:
  void At(int64_t ms, const ProgressEvent& e) {
    clock_.SetMs(ms);
    sink_->OnEvent(e);
  }

  MemoryFile out_;
  ManualClock clock_;
  std::unique_ptr<ProgressSink> sink_ = NewLineProgressSink(out_.get(), 5000, clock_.AsFunction());
};

TEST_F(LineProgressSinkTest, PrintsThrottledProgressFailuresNotesAndSummary) {
  At(0, Plan(4, 10 * kMiB));
  At(0, ItemStart("a"));
  At(1000, Bytes("a", 2 * kMiB));
  At(3000, Bytes("a", 2 * kMiB));
  EXPECT_EQ(out_.text(), "") << "nothing before the first interval has passed";
  At(6000, Bytes("a", 2 * kMiB));  // 6 MiB moved in the 5 s since the first bytes
  At(7000, ItemDone("a"));
  At(7000, ItemDone("b", false, "disk full on /nas/run7"));
  At(8000, Note("retrying c"));
  At(11000, Bytes("c", 4 * kMiB));  // window: 4 MiB in the last 5 s
  At(12000, ItemDone("c"));
  At(12000, ItemDone("d"));
  At(12500, Finish());
  EXPECT_EQ(out_.text(),
            "ferry: 0/4 files, 6.0 MiB of 10 MiB, 1.2 MiB/s, ETA 4s\n"
            "ferry: failed b: disk full on /nas/run7\n"
            "ferry: retrying c\n"
            "ferry: 2/4 files, 10 MiB of 10 MiB, 819 KiB/s, ETA 0s\n"
            "ferry: done: 4/4 files, 10 MiB in 12s (819 KiB/s), 1 failed\n");
}

TEST_F(LineProgressSinkTest, NeverPrintsMoreOftenThanTheInterval) {
  At(0, Plan(1000, 0));
  for (int64_t ms = 0; ms <= 20'000; ms += 10) {
    At(ms, Bytes("x", 1));
    if (ms % 100 == 0) At(ms, ItemDone("x"));
  }
  const std::string text = out_.text();
  // Lines at 5 s, 10 s, 15 s and 20 s, and not one more.
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4) << text;
  EXPECT_EQ(text.substr(0, text.find('\n')), "ferry: 50/1000 files, 501 B, 100 B/s");
}

TEST_F(LineProgressSinkTest, ItemEndCountsAsActivityForTheInterval) {
  At(0, Plan(2, 0));
  At(5000, ItemDone("empty-file"));
  EXPECT_EQ(out_.text(), "ferry: 1/2 files, 0 B\n");
}

TEST_F(LineProgressSinkTest, WithoutAPlanLeavesOutTotalsAndEta) {
  At(0, Bytes("a", 0));
  At(5000, Bytes("a", 5 * kMiB));
  EXPECT_EQ(out_.text(), "ferry: 0 files, 5.0 MiB, 1.0 MiB/s\n");
}

TEST_F(LineProgressSinkTest, StoppedRunSaysSoWithTheReason) {
  At(0, Plan(3, 300));
  At(2000, Bytes("a", 300));
  At(2000, ItemDone("a"));
  At(2000, Finish(false, "interrupted"));
  EXPECT_EQ(out_.text(), "ferry: stopped: 1/3 files, 300 B in 2s (150 B/s): interrupted\n");
}

TEST_F(LineProgressSinkTest, QuickRunPrintsOnlyItsSummary) {
  At(0, Plan(1, 10));
  At(10, Bytes("a", 10));
  At(20, ItemDone("a"));
  At(1000, Finish());
  EXPECT_EQ(out_.text(), "ferry: done: 1/1 files, 10 B in 1s (10 B/s)\n");
}

}  // namespace
}  // namespace ferry
