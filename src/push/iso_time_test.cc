// ISO-8601 UTC timestamps as the queue and creation.json store them.
#include "push/iso_time.h"

#include <gtest/gtest.h>

namespace ferry::push {
namespace {

TEST(IsoUtcTest, RoundTrip) {
  EXPECT_EQ(FormatIsoUtc(1767225600), "2026-01-01T00:00:00Z");
  EXPECT_EQ(ParseIsoUtc("2026-01-01T00:00:00Z"), 1767225600);
  EXPECT_EQ(FormatIsoUtc(0), "");
  EXPECT_EQ(ParseIsoUtc(""), 0);
  EXPECT_EQ(ParseIsoUtc("yesterday"), 0);
}

}  // namespace
}  // namespace ferry::push
