#include "base/path.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

TEST(PathTest, JoinPathPutsExactlyOneSlashAndNeverEscapes) {
  EXPECT_EQ(JoinPath("/a", "b"), "/a/b");
  EXPECT_EQ(JoinPath("/a/", "b"), "/a/b");
  EXPECT_EQ(JoinPath("/a//", "/b"), "/a/b");
  EXPECT_EQ(JoinPath("/", "b"), "/b");
  EXPECT_EQ(JoinPath("", "b"), "b");
  EXPECT_EQ(JoinPath("a", ""), "a");
  EXPECT_EQ(JoinPath("a", "b/c"), "a/b/c");
}

TEST(PathTest, DirNameAndBaseNameAgreeWithCoreutils) {
  EXPECT_EQ(DirName("/a/b"), "/a");
  EXPECT_EQ(DirName("/a/b/"), "/a");
  EXPECT_EQ(DirName("/a"), "/");
  EXPECT_EQ(DirName("/"), "/");
  EXPECT_EQ(DirName("a"), ".");
  EXPECT_EQ(DirName("a/b"), "a");
  EXPECT_EQ(DirName("a//b"), "a");
  EXPECT_EQ(DirName(""), ".");
  EXPECT_EQ(BaseName("/a/b"), "b");
  EXPECT_EQ(BaseName("/a/b/"), "b");
  EXPECT_EQ(BaseName("b"), "b");
  EXPECT_EQ(BaseName("/"), "/");
  EXPECT_EQ(BaseName(""), "");
}

TEST(PathTest, SafeSegmentsAllowOnlyPortableNames) {
  EXPECT_TRUE(IsSafePathSegment("data_2024-01.parquet"));
  EXPECT_TRUE(IsSafePathSegment("..."));
  EXPECT_TRUE(IsSafePathSegment(".hidden"));
  EXPECT_FALSE(IsSafePathSegment(""));
  EXPECT_FALSE(IsSafePathSegment("."));
  EXPECT_FALSE(IsSafePathSegment(".."));
  EXPECT_FALSE(IsSafePathSegment("a/b"));
  EXPECT_FALSE(IsSafePathSegment("a b"));
  EXPECT_FALSE(IsSafePathSegment("caf\xc3\xa9"));
  EXPECT_FALSE(IsSafePathSegment(std::string_view("a\0b", 3)));
}

TEST(PathTest, SafeRelativePathsAreSafeSegmentsJoinedBySingleSlashes) {
  EXPECT_TRUE(IsSafeRelativePath("a"));
  EXPECT_TRUE(IsSafeRelativePath("a/b.c/d-e"));
  EXPECT_FALSE(IsSafeRelativePath(""));
  EXPECT_FALSE(IsSafeRelativePath("/a"));
  EXPECT_FALSE(IsSafeRelativePath("a/"));
  EXPECT_FALSE(IsSafeRelativePath("a//b"));
  EXPECT_FALSE(IsSafeRelativePath("a/../b"));
  EXPECT_FALSE(IsSafeRelativePath("./a"));
  EXPECT_FALSE(IsSafeRelativePath("a\\b"));
}

}  // namespace
}  // namespace ferry

namespace ferry {
namespace {

TEST(IsPathWithinTest, ComparesWholeSegmentsAfterNormalizing) {
  EXPECT_TRUE(IsPathWithin("/ws", "/ws"));
  EXPECT_TRUE(IsPathWithin("/ws/data/x", "/ws"));
  EXPECT_TRUE(IsPathWithin("/ws/data/../x", "/ws/"));
  EXPECT_FALSE(IsPathWithin("/wsx", "/ws"));
  EXPECT_FALSE(IsPathWithin("/ws/../etc/passwd", "/ws"));
  EXPECT_FALSE(IsPathWithin("/", "/ws"));
  EXPECT_TRUE(IsPathWithin("/anything", "/"));
}

TEST(PathSegmentsTest, SkipsEmptySegments) {
  EXPECT_EQ(PathSegments("/a//b/"), (std::vector<std::string_view>{"a", "b"}));
  EXPECT_TRUE(PathSegments("/").empty());
}

}  // namespace
}  // namespace ferry
