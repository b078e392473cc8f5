#include "serve/entity_tags.h"

#include <gtest/gtest.h>

namespace ferry::serve {
namespace {

TEST(EntityTagsTest, EachCodingHasItsOwnStrongTag) {
  EXPECT_EQ(EntityTag("abc123", Coding::kIdentity), "\"abc123\"");
  EXPECT_EQ(EntityTag("abc123", Coding::kGzip), "\"abc123-gzip\"");
  EXPECT_EQ(EntityTag("abc123", Coding::kBrotli), "\"abc123-br\"");
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
  EXPECT_TRUE(IfNoneMatchHits("\"abc123-br\"", "abc123"));
  EXPECT_FALSE(IfNoneMatchHits("\"abc123-zstd\"", "abc123"));
  EXPECT_FALSE(IfNoneMatchHits("\"abc123-gzip-br\"", "abc123"));
  EXPECT_FALSE(IfNoneMatchHits("\"abc12-br\"", "abc123"));
}

}  // namespace
}  // namespace ferry::serve
