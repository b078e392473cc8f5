#include "base/hash_targets.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/file_util.h"
#include "base/mem_env.h"

namespace ferry {
namespace {

class HashTargetsTest : public ::testing::Test {
 protected:
  void Write(const std::string& path) {
    size_t slash = path.rfind('/');
    if (slash > 0) {
      ASSERT_TRUE(CreateDirs(&env_, path.substr(0, slash)).ok()) << path;
    }
    ASSERT_TRUE(WriteFileAtomically(&env_, path, "x").ok()) << path;
  }
  std::vector<std::string> Paths(const std::vector<std::string>& args) {
    std::vector<std::string> out;
    for (const HashTarget& t : ExpandHashTargets(&env_, args)) {
      out.push_back(t.error.ok() ? t.path : "ERROR " + t.path);
    }
    return out;
  }
  MemEnv env_;
};

TEST_F(HashTargetsTest, WalkSortsWholePathsInByteOrder) {
  Write("/d/a/x");
  Write("/d/a b");
  Write("/d/B");
  Write("/d/\xc3\x9f");  // UTF-8 sorts after ASCII as unsigned bytes
  Write("/d/a/sub/y");
  EXPECT_EQ(Paths({"/d"}), (std::vector<std::string>{"/d/B", "/d/a b", "/d/a/sub/y", "/d/a/x",
                                                     "/d/\xc3\x9f"}));
}

TEST_F(HashTargetsTest, JoinsTheArgumentAsGiven) {
  Write("/d/f");
  EXPECT_EQ(Paths({"/d/"}), std::vector<std::string>{"/d/f"});
  EXPECT_EQ(Paths({"d"}), std::vector<std::string>{"d/f"});
}

TEST_F(HashTargetsTest, ArgumentOrderThenWalkOrderWithErrorsInPlace) {
  Write("/d/2");
  Write("/d/1");
  Write("/z");
  EXPECT_EQ(Paths({"/z", "/missing", "/d", "/z"}),
            (std::vector<std::string>{"/z", "ERROR /missing", "/d/1", "/d/2", "/z"}));
}

TEST_F(HashTargetsTest, FollowsLinksToFilesButNotToDirectories) {
  Write("/d/real");
  Write("/outside/secret");
  ASSERT_TRUE(env_.Symlink("/d/real", "/d/link_to_file").ok());
  ASSERT_TRUE(env_.Symlink("/outside", "/d/link_to_dir").ok());
  ASSERT_TRUE(env_.Symlink("/nowhere", "/d/dangling").ok());
  ASSERT_TRUE(env_.Symlink("/d", "/d/loop").ok());
  EXPECT_EQ(Paths({"/d"}), (std::vector<std::string>{"/d/link_to_file", "/d/real"}));
}

TEST_F(HashTargetsTest, NamedSymlinkToDirectoryIsWalked) {
  Write("/real/f");
  ASSERT_TRUE(env_.Symlink("/real", "/alias").ok());
  EXPECT_EQ(Paths({"/alias"}), std::vector<std::string>{"/alias/f"});
}

TEST_F(HashTargetsTest, UnlistableDirectoryIsAnErrorInPlace) {
  Write("/d/a/f");
  Write("/d/b/g");
  ASSERT_TRUE(env_.Chmod("/d/a", 0000).ok());
  std::vector<HashTarget> targets = ExpandHashTargets(&env_, {"/d"});
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_EQ(targets[0].path, "/d/a");
  EXPECT_EQ(targets[0].error.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(targets[1].path, "/d/b/g");
  EXPECT_TRUE(targets[1].error.ok());
}

TEST_F(HashTargetsTest, DashIsStandardInputAndEmptyDirectoryYieldsNothing) {
  ASSERT_TRUE(env_.CreateDir("/empty").ok());
  EXPECT_EQ(Paths({"-", "/empty"}), std::vector<std::string>{"-"});
}

}  // namespace
}  // namespace ferry
