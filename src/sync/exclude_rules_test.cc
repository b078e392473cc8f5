#include "sync/exclude_rules.h"

#include <gtest/gtest.h>

namespace ferry::sync {
namespace {

TEST(GlobMatchTest, StarStopsAtSlashDoubleStarDoesNot) {
  EXPECT_TRUE(GlobMatch("*.o", "x.o"));
  EXPECT_FALSE(GlobMatch("*.o", "src/x.o"));
  EXPECT_TRUE(GlobMatch("**.o", "src/x.o"));
  EXPECT_TRUE(GlobMatch("a/**/b", "a/x/y/b"));
  EXPECT_TRUE(GlobMatch("a/**/b", "a/b"));
  EXPECT_FALSE(GlobMatch("a/**/b", "a/xb"));
  EXPECT_TRUE(GlobMatch("?.txt", "a.txt"));
  EXPECT_FALSE(GlobMatch("?.txt", "ab.txt"));
  EXPECT_FALSE(GlobMatch("a?b", "a/b"));
  EXPECT_TRUE(GlobMatch("", ""));
  EXPECT_FALSE(GlobMatch("abc", "ab"));
}

TEST(ExcludeRulesTest, UnanchoredPatternMatchesAtAnyDepth) {
  ExcludeRules rules;
  ASSERT_TRUE(rules.Add("*.tmp").ok());
  EXPECT_TRUE(rules.Excludes("x.tmp", EntryKind::kFile));
  EXPECT_TRUE(rules.Excludes("a/b/x.tmp", EntryKind::kFile));
  EXPECT_FALSE(rules.Excludes("a/b/x.tmpl", EntryKind::kFile));
}

TEST(ExcludeRulesTest, PatternWithSlashMatchesATrailingPartAtAComponent) {
  ExcludeRules rules;
  ASSERT_TRUE(rules.Add("build/out").ok());
  EXPECT_TRUE(rules.Excludes("build/out", EntryKind::kFile));
  EXPECT_TRUE(rules.Excludes("a/build/out", EntryKind::kFile));
  EXPECT_FALSE(rules.Excludes("rebuild/out", EntryKind::kFile));
}

TEST(ExcludeRulesTest, LeadingSlashAnchorsToTheRoot) {
  ExcludeRules rules;
  ASSERT_TRUE(rules.Add("/cache").ok());
  EXPECT_TRUE(rules.Excludes("cache", EntryKind::kDir));
  EXPECT_TRUE(rules.Excludes("cache/x", EntryKind::kFile));
  EXPECT_FALSE(rules.Excludes("a/cache", EntryKind::kDir));
}

TEST(ExcludeRulesTest, TrailingSlashMatchesDirectoriesAndTheirSubtreesOnly) {
  ExcludeRules rules;
  ASSERT_TRUE(rules.Add("node_modules/").ok());
  EXPECT_TRUE(rules.Excludes("node_modules", EntryKind::kDir));
  EXPECT_TRUE(rules.Excludes("web/node_modules", EntryKind::kDir));
  EXPECT_TRUE(rules.Excludes("web/node_modules/x/y.js", EntryKind::kFile));
  EXPECT_FALSE(rules.Excludes("node_modules", EntryKind::kFile));
  EXPECT_FALSE(rules.Excludes("node_modules", EntryKind::kSymlink));
}

TEST(ExcludeRulesTest, NoRulesExcludeNothing) {
  ExcludeRules rules;
  EXPECT_TRUE(rules.empty());
  EXPECT_FALSE(rules.Excludes("a", EntryKind::kFile));
}

TEST(ExcludeRulesTest, PatternOfOnlySlashesIsRefusedWordForWord) {
  ExcludeRules rules;
  Status s = rules.Add("//");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "--exclude '//': matches nothing (give a name or glob, e.g. '*.tmp' or '/build/')");
  EXPECT_FALSE(rules.Add("").ok());
}

}  // namespace
}  // namespace ferry::sync
