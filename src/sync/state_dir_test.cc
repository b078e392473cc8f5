#include "sync/state_dir.h"

#include <gtest/gtest.h>

namespace ferry::sync {
namespace {

TEST(StateDirTest, XdgStateHomeWins) {
  EXPECT_EQ(DefaultStateDir("/xdg/state/", "/home/ana").value(), "/xdg/state/ferry/sync");
}

TEST(StateDirTest, HomeWhenXdgStateHomeIsUnset) {
  EXPECT_EQ(DefaultStateDir("", "/home/ana").value(), "/home/ana/.local/state/ferry/sync");
}

TEST(StateDirTest, RelativeXdgStateHomeIsIgnoredAsTheSpecSays) {
  EXPECT_EQ(DefaultStateDir("state", "/home/ana").value(), "/home/ana/.local/state/ferry/sync");
}

TEST(StateDirTest, NeitherVariableUsableAsksForStateDir) {
  Result<std::string> dir = DefaultStateDir("", "");
  EXPECT_EQ(dir.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(dir.status().message(),
            "no state directory for the sync baselines: neither XDG_STATE_HOME nor HOME is an "
            "absolute path (pass --state-dir DIR)");
}

}  // namespace
}  // namespace ferry::sync
