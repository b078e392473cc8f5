#include "base/confined_env.h"

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/mem_env.h"

namespace ferry {
namespace {

class ConfinedEnvTest : public ::testing::Test {
 protected:
  ConfinedEnvTest() : env_(&mem_, {"/ws"}, "the workspace") {
    EXPECT_TRUE(CreateDirs(&mem_, "/ws/data").ok());
    EXPECT_TRUE(CreateDirs(&mem_, "/else").ok());
    EXPECT_TRUE(WriteFileAtomically(&mem_, "/else/precious", "mine").ok());
    EXPECT_TRUE(WriteFileAtomically(&mem_, "/ws/data/a", "a").ok());
  }

  MemEnv mem_;
  ConfinedEnv env_;
};

TEST_F(ConfinedEnvTest, EveryKindOfChangeOutsideIsRefusedAndLeavesTheFile) {
  const std::string p = "/else/precious";
  std::vector<Status> refused = {
      env_.RemoveFile(p),
      env_.Rename(p, "/ws/data/b"),
      env_.Rename("/ws/data/a", p),
      env_.Chmod(p, 0600),
      env_.Truncate(p, 0),
      env_.SetModificationTime(p, 0),
      env_.NewWritableFile(p, 0644).status(),
      env_.NewAppendableFile(p, 0644).status(),
      env_.Symlink("/ws/data/a", "/else/link"),
      env_.HardLink("/ws/data/a", "/else/hard"),
      env_.Reflink("/ws/data/a", "/else/copy"),
      env_.CreateDir("/else/sub", 0755),
      env_.RemoveDir("/else"),
      env_.LockFile("/else/lock", "test", false).status(),
  };
  for (const Status& s : refused) {
    EXPECT_EQ(s.code(), StatusCode::kRefused) << s.ToString();
  }
  EXPECT_EQ(refused[0].message(), "refused to remove /else/precious: outside the workspace /ws");
  Result<std::string> bytes = ReadFileToString(&env_, p, 100);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, "mine");
  EXPECT_TRUE(*PathExists(&mem_, "/ws/data/a"));
}

TEST_F(ConfinedEnvTest, LexicalTricksDoNotLeaveTheRoot) {
  EXPECT_EQ(env_.RemoveFile("/ws/../else/precious").code(), StatusCode::kRefused);
  EXPECT_EQ(env_.RemoveFile("/wsx/file").code(), StatusCode::kRefused);
  EXPECT_EQ(env_.RemoveFile("ws/data/a").code(), StatusCode::kRefused) << "relative";
  EXPECT_TRUE(*PathExists(&mem_, "/else/precious"));
}

TEST_F(ConfinedEnvTest, ChangesInsideAndReadsAnywhereGoThrough) {
  EXPECT_TRUE(WriteFileAtomically(&env_, "/ws/data/b", "b").ok());
  EXPECT_TRUE(env_.Rename("/ws/data/b", "/ws/data/c").ok());
  EXPECT_TRUE(env_.RemoveFile("/ws/data/c").ok());
  EXPECT_TRUE(env_.Stat("/else/precious").ok());
  EXPECT_TRUE(env_.ListDir("/else").ok());
}

TEST_F(ConfinedEnvTest, AncestorsOfTheRootMayBeCreatedLikeMkdirP) {
  ConfinedEnv env(&mem_, {"/new/deep/ws"}, "the workspace");
  EXPECT_TRUE(CreateDirs(&env, "/new/deep/ws/.ferry").ok());
  EXPECT_TRUE(*PathExists(&mem_, "/new/deep/ws/.ferry"));
  EXPECT_EQ(env.CreateDir("/new/other", 0755).code(), StatusCode::kRefused);
}

}  // namespace
}  // namespace ferry
