#include "store/link_paths.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

TEST(LinkPathsTest, Normalizes) {
  EXPECT_EQ(NormalizePathLexically("/a//b/./c/"), "/a/b/c");
  EXPECT_EQ(NormalizePathLexically("/a/b/../../../c"), "/c");
  EXPECT_EQ(NormalizePathLexically("a/../../b"), "../b");
  EXPECT_EQ(NormalizePathLexically("/"), "/");
  EXPECT_EQ(NormalizePathLexically("./"), ".");
}

TEST(LinkPathsTest, RelativeSymlinkTargetsStayInsideTheWorkspace) {
  EXPECT_EQ(RelativePathBetween("/ws/data/sales", "/ws/data/_shared/t1.parquet"),
            "../_shared/t1.parquet");
  EXPECT_EQ(RelativePathBetween("/ws/data/_direct/", "/ws/data/_shared/t1.parquet"),
            "../_shared/t1.parquet");
  EXPECT_EQ(RelativePathBetween("/ws/a/b", "/ws/a/b/c"), "c");
  EXPECT_EQ(RelativePathBetween("/x/y", "/z"), "../../z");
}

TEST(LinkPathsTest, ResolvesRelativeAndAbsoluteTargets) {
  EXPECT_EQ(ResolveSymlinkTarget("/ws/data/sales/o.parquet", "../_shared/t1.parquet"),
            "/ws/data/_shared/t1.parquet");
  EXPECT_EQ(ResolveSymlinkTarget("/ws/data/sales/o.parquet", "/ws/data/_shared/t1.parquet"),
            "/ws/data/_shared/t1.parquet");
}

}  // namespace
}  // namespace ferry
