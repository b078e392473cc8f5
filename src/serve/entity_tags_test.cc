#include "serve/entity_tags.h"

#include <gtest/gtest.h>

namespace ferry::serve {
namespace {

TEST(EntityTagsTest, EachCodingHasItsOwnStrongTag) {
  EXPECT_EQ(EntityTag("abc123", /*gzip=*/false), "\"abc123\"");
  EXPECT_EQ(EntityTag("abc123", /*gzip=*/true), "\"abc123-gzip\"");
}

TEST(EntityTagsTest, IfNoneMatchComparesWeaklyAcrossCodings) {
  EXPECT_TRUE(IfNoneMatchHits("\"abc123\"", "abc123"));
  EXPECT_TRUE(IfNoneMatchHits("\"abc123-gzip\"", "abc123"));
  EXPECT_TRUE(IfNoneMatchHits("W/\"abc123\"", "abc123"));
  EXPECT_TRUE(IfNoneMatchHits("\"zzz\", \"abc123-gzip\"", "abc123"));
  EXPECT_TRUE(IfNoneMatchHits(" * ", "abc123"));
  EXPECT_FALSE(IfNoneMatchHits("", "abc123"));
  EXPECT_FALSE(IfNoneMatchHits("\"abc12\"", "abc123"));
  EXPECT_FALSE(IfNoneMatchHits("abc123", "abc123"));  // unquoted: not a tag
  EXPECT_FALSE(IfNoneMatchHits("\"abc123-br\"", "abc123"));
}

}  // namespace
}  // namespace ferry::serve
