#include "base/progress_tally.h"

#include <gtest/gtest.h>

#include "base/progress_test_support.h"

namespace ferry {
namespace {

using namespace ferry::testing;  // NOLINT: event builders

constexpr int64_t kMs = 1'000'000;

TEST(ProgressTallyTest, CountsFilesBytesAndFailures) {
  ProgressTally tally;
  tally.Apply(Plan(3, 300), 0);
  tally.Apply(Bytes("a", 100), 1 * kMs);
  tally.Apply(ItemDone("a"), 2 * kMs);
  tally.Apply(ItemDone("b", false, "boom"), 3 * kMs);
  EXPECT_EQ(tally.files_total(), 3u);
  EXPECT_EQ(tally.bytes_total(), 300u);
  EXPECT_EQ(tally.files_done(), 2u);
  EXPECT_EQ(tally.files_failed(), 1u);
  EXPECT_EQ(tally.bytes_done(), 100u);
  EXPECT_EQ(tally.ElapsedNs(10 * kMs), 10 * kMs);
}

TEST(ProgressTallyTest, RateIsUnknownUntilBytesMovedForASecond) {
  ProgressTally tally;
  EXPECT_FALSE(tally.Rate(0).has_value());
  tally.Apply(Bytes("a", 1000), 0);
  EXPECT_FALSE(tally.Rate(999 * kMs).has_value());
  ASSERT_TRUE(tally.Rate(1000 * kMs).has_value());
  EXPECT_DOUBLE_EQ(*tally.Rate(1000 * kMs), 1000.0);
}

TEST(ProgressTallyTest, RateFollowsTheRecentWindowNotTheWholeRun) {
  ProgressTally tally;
  // 10 s at 1000 B/s, then 10 s at 100 B/s.
  for (int s = 0; s <= 10; ++s) tally.Apply(Bytes("a", s == 0 ? 0 : 1000), s * 1000 * kMs);
  for (int s = 11; s <= 20; ++s) tally.Apply(Bytes("a", 100), s * 1000 * kMs);
  ASSERT_TRUE(tally.Rate(20'000 * kMs).has_value());
  EXPECT_DOUBLE_EQ(*tally.Rate(20'000 * kMs), 100.0);
  ASSERT_TRUE(tally.AverageRate(20'000 * kMs).has_value());
  EXPECT_DOUBLE_EQ(*tally.AverageRate(20'000 * kMs), 11'000.0 / 20.0);
}

TEST(ProgressTallyTest, RateDecaysToZeroWhenBytesStop) {
  ProgressTally tally;
  tally.Apply(Bytes("a", 0), 0);
  tally.Apply(Bytes("a", 5000), 1000 * kMs);
  EXPECT_DOUBLE_EQ(*tally.Rate(1000 * kMs), 5000.0);
  EXPECT_DOUBLE_EQ(*tally.Rate(60'000 * kMs), 0.0);
}

TEST(ProgressTallyTest, EtaNeedsAPlanAndARateAndIsZeroWhenAllMoved) {
  ProgressTally tally;
  tally.Apply(Bytes("a", 0), 0);
  tally.Apply(Bytes("a", 1000), 1000 * kMs);
  EXPECT_FALSE(tally.EtaSeconds(1000 * kMs).has_value());  // no plan
  tally.Apply(Plan(1, 3500), 1000 * kMs);
  ASSERT_TRUE(tally.EtaSeconds(1000 * kMs).has_value());
  EXPECT_EQ(*tally.EtaSeconds(1000 * kMs), 3);  // 2500 B at 1000 B/s, rounded up
  tally.Apply(Bytes("a", 2500), 2000 * kMs);
  EXPECT_EQ(*tally.EtaSeconds(2000 * kMs), 0);
}

TEST(ProgressTallyTest, RateOverManyTinyEventsIsExact) {
  ProgressTally tally;
  // One byte every millisecond for 20 s: 1000 B/s, whatever the sampling does.
  for (int i = 0; i < 20'000; ++i) tally.Apply(Bytes("a", 1), i * kMs);
  ASSERT_TRUE(tally.Rate(19'999 * kMs).has_value());
  EXPECT_DOUBLE_EQ(*tally.Rate(19'999 * kMs), 1000.0);
}

}  // namespace
}  // namespace ferry
