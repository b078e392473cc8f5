// libcurl is loaded only by the commands that make HTTP requests (src/net/curl_library.h):
// checked on the real binary with the dynamic loader's own log of every library it maps
// (LD_DEBUG=files, glibc's), so the test sees what ld.so did, not what ferry says it did.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/ferry_binary.h"
#include "support/file_contents.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace ferry::testing {
namespace {

CommandResult FerryWithLoaderLog(const std::vector<std::string>& args, const std::string& cwd) {
  std::vector<std::string> argv = {FerryBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  RunOptions options;
  options.cwd = cwd;
  options.env_unset = {"FERRY_TOKEN"};
  options.env_add = {"LD_DEBUG=files", "HOME=" + cwd};
  return RunCommand(argv, options);
}

TEST(LazyLibcurlTest, ACommandWithoutRequestsNeverLoadsLibcurl) {
  TempDir dir;
  ASSERT_TRUE(WriteFile(dir.Join("x.bin"), "bytes"));
  CommandResult r = FerryWithLoaderLog({"hash", "x.bin"}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("libc.so.6"), std::string::npos) << "no loader log to check: " << r.err;
  EXPECT_EQ(r.err.find("libcurl"), std::string::npos) << r.err;
}

TEST(LazyLibcurlTest, APullLoadsLibcurlWhenItMakesItsFirstRequest) {
  TempDir dir;
  // Port 1 on loopback: nothing listens, so the request fails fast after libcurl is loaded.
  CommandResult r = FerryWithLoaderLog(
      {"pull", "--server", "http://127.0.0.1:1", "--token", "t", "--workspace", dir.Join("ws")},
      dir.path());
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("file=libcurl.so.4"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ferry::testing
