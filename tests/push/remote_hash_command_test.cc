// The NAS-side hashing command (RemoteSha256Command) run by a real /bin/sh with the real GNU
// tools, here instead of over ssh: with openssl on PATH (the fast half for plain names, GNU
// sha256sum for the rest) and on a NAS that has no openssl (sha256sum for everything). The
// parsed output must hold every file but the cache dir's, under its real name and hash.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/hasher.h"
#include "ferry/command_runner.h"
#include "push/remote_verify.h"
#include "support/file_contents.h"
#include "support/temp_dir.h"

namespace ferry::push {
namespace {

namespace fs = std::filesystem;
using testing::WriteFile;

class RemoteHashCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    nas_ = tmp_.Join("nas/Run_1");
    for (const auto& [name, content] : files_) ASSERT_TRUE(WriteFile(nas_ + "/" + name, content));
    ASSERT_TRUE(WriteFile(nas_ + "/.ferry/checksums.sha256", "not hashed"));
    ASSERT_TRUE(WriteFile(nas_ + "/.rsync-partial/half.bin", "not hashed"));
  }

  CommandResult Run(const std::string& path_var) {
    CommandSpec spec;
    spec.argv = {"/bin/sh", "-c", RemoteSha256Command(nas_, ".ferry", files_.size())};
    spec.env_overrides = {{"PATH", path_var}};
    spec.timeout_ms = 60'000;
    Result<CommandResult> r = runner_->Run(spec);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : CommandResult{};
  }

  // A PATH holding the tools the command needs but `missing`; `stub` replaced by a script
  // that prints `stub_says` and fails.
  std::string ToolsWithout(const std::string& missing, const std::string& stub = "") {
    const std::string bin = tmp_.Join("bin");
    fs::create_directories(bin);
    for (const char* tool :
         {"sh", "find", "xargs", "sha256sum", "openssl", "nproc", "stdbuf", "sync", "cat"}) {
      if (tool == missing) continue;
      if (tool == stub) {
        EXPECT_TRUE(
            WriteFile(bin + "/" + tool, "#!/bin/sh\necho \"sync: I/O error\" >&2\nexit 1\n"));
        fs::permissions(bin + "/" + tool, fs::perms::owner_all);
      } else {
        fs::create_symlink(fs::path("/usr/bin") / tool, fs::path(bin) / tool);
      }
    }
    return bin;
  }

  // What the command prints, parsed, by path -> hex.
  std::map<std::string, std::string> RunWithPath(const std::string& path_var) {
    CommandResult r = Run(path_var);
    EXPECT_TRUE(r.ok()) << r.stderr_text;
    Result<std::vector<ManifestEntry>> parsed = ParseRemoteSha256(r.stdout_text);
    EXPECT_TRUE(parsed.ok()) << parsed.status().message();
    std::map<std::string, std::string> out;
    if (parsed.ok()) {
      for (const ManifestEntry& e : *parsed) EXPECT_TRUE(out.emplace(e.path, e.sha256).second);
    }
    return out;
  }

  std::map<std::string, std::string> Expected() const {
    std::map<std::string, std::string> out;
    for (const auto& [name, content] : files_) {
      Hasher hasher(HashAlgorithm::kSha256);
      hasher.Update(content);
      out[name] = hasher.FinishHex();
    }
    return out;
  }

  const std::map<std::string, std::string> files_ = {
      {"plain.bin", "plain"},
      {"sub/dir/deep.bin", std::string(100'000, 'd')},
      {"-leading dash.bin", "dash"},
      {"sub/back\\slash.bin", "backslash"},
      {"sub/line\nbreak.bin", "newline"},
      {"sub/carriage\rreturn.bin", "cr"},
      {"sub/-inner dash.bin", "inner"},
      {"empty.bin", ""},
  };
  std::unique_ptr<CommandRunner> runner_ = NewPosixCommandRunner();
  testing::TempDir tmp_;
  std::string nas_;
};

TEST_F(RemoteHashCommandTest, WithOpensslEveryFileIsHashedOnceUnderItsRealName) {
  ASSERT_EQ(RunWithPath("/usr/bin:/bin"), Expected());
}

// With openssl but no sha256sum, exactly the plain names come back: openssl hashed those,
// and the names it would print ambiguously were left to sha256sum, not to it.
TEST_F(RemoteHashCommandTest, OpensslHashesThePlainNamesAndOnlyThose) {
  ASSERT_TRUE(fs::exists("/usr/bin/openssl")) << "scripts/setup installs openssl";
  std::map<std::string, std::string> plain = Expected();
  for (const char* odd : {"-leading dash.bin", "sub/back\\slash.bin", "sub/line\nbreak.bin",
                          "sub/carriage\rreturn.bin"}) {
    ASSERT_EQ(plain.erase(odd), 1u) << odd;
  }
  EXPECT_EQ(RunWithPath(ToolsWithout("sha256sum")), plain);
}

TEST_F(RemoteHashCommandTest, ANasWithoutOpensslHashesEverythingWithSha256sum) {
  const std::string bin = ToolsWithout("openssl");
  ASSERT_FALSE(fs::exists(bin + "/openssl"));
  ASSERT_EQ(RunWithPath(bin), Expected());
}

// The flush runs beside the hashing; when it fails the pass must fail, whatever was hashed.
TEST_F(RemoteHashCommandTest, AFailedFlushFailsTheCommandWithAClearMessage) {
  CommandResult r = Run(ToolsWithout("", "sync"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.stderr_text.find("sync -f failed on the NAS in " + nas_ +
                               ": the copy is not known to be on disk"),
            std::string::npos)
      << r.stderr_text;
}

}  // namespace
}  // namespace ferry::push
