#include "pull/token.h"

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/mem_env.h"

namespace ferry::pull {
namespace {

TEST(TokenTest, FlagThenEnvironmentThenWorkspaceFileThenUserFile) {
  MemEnv env;
  TokenSources s{"", "", "/ws", "/home/me"};
  EXPECT_EQ(*ResolveToken(&env, s), "");  // none anywhere: no Authorization header
  ASSERT_TRUE(CreateDirs(&env, "/home/me/.config/ferry").ok());
  ASSERT_TRUE(WriteFileAtomically(&env, "/home/me/.config/ferry/token", "  user-tok \n").ok());
  EXPECT_EQ(*ResolveToken(&env, s), "user-tok");
  ASSERT_TRUE(CreateDirs(&env, "/ws/.ferry").ok());
  ASSERT_TRUE(WriteFileAtomically(&env, "/ws/.ferry/token", "ws-tok\nignored\n").ok());
  EXPECT_EQ(*ResolveToken(&env, s), "ws-tok");
  s.env_value = "env-tok";
  EXPECT_EQ(*ResolveToken(&env, s), "env-tok");
  s.flag = "flag-tok";
  EXPECT_EQ(*ResolveToken(&env, s), "flag-tok");
}

TEST(TokenTest, UnreadableTokenFileIsAnErrorNamingIt) {
  MemEnv env;
  ASSERT_TRUE(CreateDirs(&env, "/ws/.ferry").ok());
  ASSERT_TRUE(WriteFileAtomically(&env, "/ws/.ferry/token", "t", 0000).ok());
  Result<std::string> t = ResolveToken(&env, {"", "", "/ws", ""});
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("/ws/.ferry/token"), std::string::npos)
      << t.status().message();
}

}  // namespace
}  // namespace ferry::pull
