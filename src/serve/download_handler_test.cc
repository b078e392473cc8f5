#include "serve/download_handler.h"

#include <gtest/gtest.h>

namespace ferry::serve {
namespace {

TEST(RangeHeaderTest, SingleRangesAreBoundedByTheFileSize) {
  ByteRange r;
  EXPECT_EQ(ParseRangeHeader("bytes=0-0", 10, &r), RangeOutcome::kSatisfiable);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, 0u);
  EXPECT_EQ(ParseRangeHeader("bytes=5-", 10, &r), RangeOutcome::kSatisfiable);
  EXPECT_EQ(r.first, 5u);
  EXPECT_EQ(r.last, 9u);
  EXPECT_EQ(ParseRangeHeader("bytes=8-100", 10, &r), RangeOutcome::kSatisfiable);
  EXPECT_EQ(r.last, 9u);
  EXPECT_EQ(ParseRangeHeader("bytes=-3", 10, &r), RangeOutcome::kSatisfiable);
  EXPECT_EQ(r.first, 7u);
  EXPECT_EQ(r.last, 9u);
  EXPECT_EQ(ParseRangeHeader("bytes=-30", 10, &r), RangeOutcome::kSatisfiable);
  EXPECT_EQ(r.first, 0u);
}

TEST(RangeHeaderTest, BadOrPastTheEndRangesAreUnsatisfiable) {
  ByteRange r;
  EXPECT_EQ(ParseRangeHeader("bytes=10-", 10, &r), RangeOutcome::kUnsatisfiable);
  EXPECT_EQ(ParseRangeHeader("bytes=5-4", 10, &r), RangeOutcome::kUnsatisfiable);
  EXPECT_EQ(ParseRangeHeader("bytes=x-4", 10, &r), RangeOutcome::kUnsatisfiable);
  EXPECT_EQ(ParseRangeHeader("bytes=-0", 10, &r), RangeOutcome::kUnsatisfiable);
  EXPECT_EQ(ParseRangeHeader("bytes=0-0", 0, &r), RangeOutcome::kUnsatisfiable);
  EXPECT_EQ(ParseRangeHeader("bytes=99999999999999999999-", 10, &r), RangeOutcome::kUnsatisfiable);
}

TEST(RangeHeaderTest, NoHeaderMultiRangeAndOtherUnitsServeTheWholeFile) {
  ByteRange r;
  EXPECT_EQ(ParseRangeHeader("", 10, &r), RangeOutcome::kNone);
  EXPECT_EQ(ParseRangeHeader("bytes=0-1,3-4", 10, &r), RangeOutcome::kIgnored);
  EXPECT_EQ(ParseRangeHeader("items=0-1", 10, &r), RangeOutcome::kIgnored);
}

TEST(IfNoneMatchTest, MatchesQuotedWeakListedAndStar) {
  EXPECT_TRUE(IfNoneMatchMatches("\"abc\"", "abc"));
  EXPECT_TRUE(IfNoneMatchMatches("W/\"abc\"", "abc"));
  EXPECT_TRUE(IfNoneMatchMatches("\"x\", \"abc\"", "abc"));
  EXPECT_TRUE(IfNoneMatchMatches("*", "abc"));
  EXPECT_FALSE(IfNoneMatchMatches("\"abd\"", "abc"));
  EXPECT_FALSE(IfNoneMatchMatches("", "abc"));
}

}  // namespace
}  // namespace ferry::serve
