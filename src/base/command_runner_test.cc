#include "ferry/command_runner.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

TEST(CommandRunnerTest, NotFoundMessageNamesTheProgramAndThePackage) {
  Status s = ProgramNotFoundError("rsync");
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_EQ(s.message(),
            "cannot run 'rsync': not found on PATH; install it with apt-get install rsync");
  EXPECT_EQ(ProgramNotFoundError("ssh").message(),
            "cannot run 'ssh': not found on PATH; install it with apt-get install openssh-client");
  EXPECT_EQ(ProgramNotFoundError("/opt/bin/rclone").message(),
            "cannot run '/opt/bin/rclone': no such file; install rclone there or fix the path");
}

TEST(CommandRunnerTest, DescribeCommandQuotesOnlyWhatAShellWouldSplit) {
  EXPECT_EQ(DescribeCommand({"rsync", "-a", "--bwlimit=1000", "/data/run 7/", "nas:/x"}),
            "rsync -a --bwlimit=1000 '/data/run 7/' nas:/x");
  EXPECT_EQ(DescribeCommand({"sh", "-c", "echo 'hi'; exit 3", ""}),
            "sh -c 'echo '\\''hi'\\''; exit 3' ''");
}

}  // namespace
}  // namespace ferry
