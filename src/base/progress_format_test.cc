#include "base/progress_format.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

constexpr uint64_t kKiB = 1024, kMiB = 1024 * kKiB, kGiB = 1024 * kMiB;

TEST(ProgressFormatTest, BytesKeepAboutThreeSignificantDigits) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(512), "512 B");
  EXPECT_EQ(FormatBytes(1023), "1023 B");
  EXPECT_EQ(FormatBytes(kKiB), "1.0 KiB");
  EXPECT_EQ(FormatBytes(1229), "1.2 KiB");
  EXPECT_EQ(FormatBytes(37 * kKiB + 100), "37 KiB");
  EXPECT_EQ(FormatBytes(112 * kMiB), "112 MiB");
  EXPECT_EQ(FormatBytes(static_cast<uint64_t>(1.2 * kGiB)), "1.2 GiB");
  EXPECT_EQ(FormatBytes(static_cast<uint64_t>(3.4 * kGiB)), "3.4 GiB");
  EXPECT_EQ(FormatBytes(5 * 1024 * kGiB), "5.0 TiB");
}

TEST(ProgressFormatTest, ValueThatWouldRoundTo1024MovesToTheNextUnit) {
  EXPECT_EQ(FormatBytes(1023 * kMiB + 900 * kKiB), "1.0 GiB");
  EXPECT_EQ(FormatBytes(1023 * kMiB), "1023 MiB");
  EXPECT_EQ(FormatBytes(9 * kMiB + 990 * kKiB), "10 MiB");
}

TEST(ProgressFormatTest, RateAppendsPerSecondAndTreatsNonsenseAsZero) {
  EXPECT_EQ(FormatRate(112.0 * kMiB), "112 MiB/s");
  EXPECT_EQ(FormatRate(0), "0 B/s");
  EXPECT_EQ(FormatRate(-5), "0 B/s");
}

TEST(ProgressFormatTest, ClockDurationGrowsAnHourFieldOnlyWhenNeeded) {
  EXPECT_EQ(FormatClockDuration(0), "0:00");
  EXPECT_EQ(FormatClockDuration(21), "0:21");
  EXPECT_EQ(FormatClockDuration(725), "12:05");
  EXPECT_EQ(FormatClockDuration(3723), "1:02:03");
  EXPECT_EQ(FormatClockDuration(-3), "0:00");
}

TEST(ProgressFormatTest, ShortDurationUsesTheTwoLargestUnits) {
  EXPECT_EQ(FormatShortDuration(21), "21s");
  EXPECT_EQ(FormatShortDuration(185), "3m05s");
  EXPECT_EQ(FormatShortDuration(3723), "1h02m");
}

}  // namespace
}  // namespace ferry
