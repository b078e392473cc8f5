// The CommandRunner seam against the real transports the push engine drives: rsync between two
// local directories, rclone's local backend, and rsync and ssh to a real sshd on a loopback
// port with a generated key. These pin the command lines and the outcomes (bytes on disk,
// exit codes) the push engine relies on.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ferry/command_runner.h"
#include "support/ssh_server.h"
#include "support/temp_dir.h"

namespace ferry {
namespace {

namespace fs = std::filesystem;

CommandSpec Cmd(std::vector<std::string> argv) {
  CommandSpec spec;
  spec.argv = std::move(argv);
  spec.timeout_ms = 60'000;  // a wedged transport fails the test instead of hanging it
  return spec;
}

void WriteFile(const std::string& path, const std::string& content) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(gen() & 0xff);
  return out;
}

// A run directory like the ones the push engine ships: nested files, one of them large,
// one with a space in its name, one empty.
void MakeRunTree(const std::string& root) {
  WriteFile(root + "/meta.json", "{\"run\":7}\n");
  WriteFile(root + "/raw/frame 0001.bin", RandomBytes(3 << 20, 1));
  WriteFile(root + "/raw/frame0002.bin", RandomBytes(70'000, 2));
  WriteFile(root + "/logs/empty.log", "");
}

// Every regular file under `a` exists under `b` with the same bytes, and nothing else does.
void ExpectSameTree(const std::string& a, const std::string& b) {
  size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(a)) {
    if (!entry.is_regular_file()) continue;
    const fs::path rel = fs::relative(entry.path(), a);
    const std::string other = (fs::path(b) / rel).string();
    ASSERT_TRUE(fs::exists(other)) << "missing " << other;
    EXPECT_TRUE(ReadFile(entry.path()) == ReadFile(other)) << "bytes differ: " << rel;
    ++files;
  }
  size_t other_files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(b)) {
    if (entry.is_regular_file()) ++other_files;
  }
  EXPECT_EQ(files, other_files);
  EXPECT_GT(files, 0u);
}

class TransportsTest : public ::testing::Test {
 protected:
  CommandResult MustRun(const CommandSpec& spec) {
    Result<CommandResult> r = runner_->Run(spec);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return CommandResult{};
    EXPECT_TRUE(r->ok()) << DescribeCommand(spec.argv) << "\nexit " << r->exit_code << " signal "
                         << r->term_signal << "\nstdout: " << r->stdout_text
                         << "\nstderr: " << r->stderr_text;
    return *r;
  }

  std::unique_ptr<CommandRunner> runner_ = NewPosixCommandRunner();
  testing::TempDir tmp_;
};

TEST_F(TransportsTest, RsyncArchiveCopiesARunBetweenTwoDirectories) {
  MakeRunTree(tmp_.Join("src/run7"));
  ASSERT_EQ(chmod(tmp_.Join("src/run7/meta.json").c_str(), 0640), 0);
  fs::create_directories(tmp_.Join("dst"));
  MustRun(Cmd({"rsync", "-a", tmp_.Join("src/run7/"), tmp_.Join("dst/run7/")}));
  ExpectSameTree(tmp_.Join("src/run7"), tmp_.Join("dst/run7"));
  // -a keeps modes and mtimes, which the verify pass and a later re-push rely on.
  struct stat src_st, dst_st;
  ASSERT_EQ(stat(tmp_.Join("src/run7/meta.json").c_str(), &src_st), 0);
  ASSERT_EQ(stat(tmp_.Join("dst/run7/meta.json").c_str(), &dst_st), 0);
  EXPECT_EQ(dst_st.st_mode & 07777, 0640u);
  EXPECT_EQ(dst_st.st_mtim.tv_sec, src_st.st_mtim.tv_sec);
}

// rsync creates only the last component of the destination: a push to a fresh NAS path needs
// --mkpath (rsync >= 3.2.3) or the parents made first.
TEST_F(TransportsTest, RsyncNeedsMkpathForMissingDestinationParents) {
  MakeRunTree(tmp_.Join("src/run7"));
  Result<CommandResult> without =
      runner_->Run(Cmd({"rsync", "-a", tmp_.Join("src/run7/"), tmp_.Join("nas/eq1/run7/")}));
  ASSERT_TRUE(without.ok()) << without.status().ToString();
  EXPECT_EQ(without->exit_code, 11);  // rsync: "error in file IO"
  EXPECT_FALSE(fs::exists(tmp_.Join("nas")));
  MustRun(Cmd({"rsync", "-a", "--mkpath", tmp_.Join("src/run7/"), tmp_.Join("nas/eq1/run7/")}));
  ExpectSameTree(tmp_.Join("src/run7"), tmp_.Join("nas/eq1/run7"));
}

TEST_F(TransportsTest, RsyncFromAMissingSourceIsANonZeroExitNotAnError) {
  Result<CommandResult> r =
      runner_->Run(Cmd({"rsync", "-a", tmp_.Join("no-such-run/"), tmp_.Join("dst/")}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 23);  // rsync: "partial transfer due to error"
  EXPECT_NE(r->stderr_text.find("No such file or directory"), std::string::npos) << r->stderr_text;
}

TEST_F(TransportsTest, RcloneCopyWithTheLocalBackend) {
  MakeRunTree(tmp_.Join("src/run7"));
  CommandSpec spec = Cmd({"rclone", "copy", tmp_.Join("src/run7"), tmp_.Join("dst/run7")});
  spec.env_overrides = {{"RCLONE_CONFIG", "/dev/null"}};
  MustRun(spec);
  ExpectSameTree(tmp_.Join("src/run7"), tmp_.Join("dst/run7"));
}

TEST_F(TransportsTest, RcloneHashsumSha256MatchesSha256sum) {
  // The push verifier's remote hash probe (`rclone hashsum sha256`) against the local one.
  MakeRunTree(tmp_.Join("run7"));
  CommandSpec spec = Cmd({"rclone", "hashsum", "sha256", tmp_.Join("run7/raw")});
  spec.env_overrides = {{"RCLONE_CONFIG", "/dev/null"}};
  const CommandResult rclone = MustRun(spec);
  CommandSpec local = Cmd({"sha256sum", "frame 0001.bin"});
  local.working_dir = tmp_.Join("run7/raw");
  const CommandResult sha = MustRun(local);
  const std::string digest = sha.stdout_text.substr(0, 64);
  EXPECT_NE(rclone.stdout_text.find(digest + "  frame 0001.bin\n"), std::string::npos)
      << rclone.stdout_text;
}

using testing::SshServer;

class SshTransportTest : public TransportsTest {
 protected:
  void SetUp() override {
    fs::create_directories(tmp_.Join("sshd"));
    server_.Start(runner_.get());
  }

  SshServer server_{tmp_.Join("sshd")};
};

TEST_F(SshTransportTest, RsyncOverSshDeliversTheRun) {
  MakeRunTree(tmp_.Join("src/run7"));
  fs::create_directories(tmp_.Join("nas"));
  MustRun(Cmd({"rsync", "-a", "-e", server_.SshCommandLine(), tmp_.Join("src/run7"),
               SshServer::Target() + ":" + tmp_.Join("nas/")}));
  ExpectSameTree(tmp_.Join("src/run7"), tmp_.Join("nas/run7"));
}

TEST_F(SshTransportTest, RemoteSha256sumOverSshMatchesTheLocalDigest) {
  // The rsync transport's verify pass hashes on the NAS with `ssh ... sha256sum`.
  MakeRunTree(tmp_.Join("run7"));
  std::vector<std::string> argv = server_.SshArgv();
  argv.push_back("cd " + tmp_.Join("run7/raw") + " && sha256sum frame0002.bin");
  const CommandResult remote = MustRun(Cmd(argv));
  CommandSpec local = Cmd({"sha256sum", "frame0002.bin"});
  local.working_dir = tmp_.Join("run7/raw");
  EXPECT_EQ(remote.stdout_text, MustRun(local).stdout_text);
  EXPECT_EQ(remote.stdout_text.size(), 64u + 2 + std::string("frame0002.bin\n").size());
}

TEST_F(SshTransportTest, WrongKeyIsExit255WithPermissionDenied) {
  CommandSpec keygen =
      Cmd({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", tmp_.Join("stranger")});
  ASSERT_TRUE(runner_->Run(keygen).ok());
  std::vector<std::string> argv = server_.SshArgv();
  argv[4] = tmp_.Join("stranger");  // -i <key>
  argv.push_back("true");
  Result<CommandResult> r = runner_->Run(Cmd(argv));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 255);
  EXPECT_NE(r->stderr_text.find("Permission denied"), std::string::npos) << r->stderr_text;
}

}  // namespace
}  // namespace ferry
