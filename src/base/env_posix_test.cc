// PosixEnv behaviour that only the real kernel can show: locks across processes, descriptors
// closed on exec, errno translation of less common errors.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "ferry/env.h"
#include "support/child_process.h"
#include "support/temp_dir.h"

namespace ferry {
namespace {

class PosixEnvTest : public ::testing::Test {
 protected:
  Env* env_ = Env::Default();
  testing::TempDir temp_;
};

// Exit codes of the child in LockIsRefusedToAnotherProcess.
constexpr int kChildSawBusyWithHolder = 0;
constexpr int kChildGotTheLock = 1;
constexpr int kChildSawSomethingElse = 2;

int TryLockInChild(const std::string& path, const std::string& expected_holder) {
  auto lock = Env::Default()->LockFile(path, "child", /*wait=*/false);
  if (lock.ok()) return kChildGotTheLock;
  if (lock.status().code() == StatusCode::kBusy &&
      lock.status().message().find("is held by " + expected_holder) != std::string::npos) {
    return kChildSawBusyWithHolder;
  }
  return kChildSawSomethingElse;
}

int RunChild(const std::string& path, const std::string& expected_holder) {
  pid_t pid = fork();
  if (pid == 0) _exit(TryLockInChild(path, expected_holder));
  bool timed_out = false;
  const int code = testing::WaitForChild(pid, std::chrono::seconds(30), &timed_out);
  EXPECT_FALSE(timed_out) << "the child trying the lock hung";
  return code;
}

TEST_F(PosixEnvTest, LockIsRefusedToAnotherProcessUntilReleased) {
  const std::string path = temp_.Join("lock");
  std::string holder = "pid " + std::to_string(getpid()) + " (ferry test)";
  auto lock = env_->LockFile(path, holder, false);
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  EXPECT_EQ(RunChild(path, holder), kChildSawBusyWithHolder);
  lock->reset();
  EXPECT_EQ(RunChild(path, holder), kChildGotTheLock);
}

TEST_F(PosixEnvTest, DescriptorsAreClosedOnExec) {
  auto f = env_->NewWritableFile(temp_.Join("f"), 0644);
  ASSERT_TRUE(f.ok());
  // The newest descriptor in this process is the file's; check its FD_CLOEXEC flag.
  int probe = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(probe, 0);
  int file_fd = -1;
  for (int fd = probe - 1; fd >= 0; --fd) {
    char link[64], target[4096];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    if (n > 0 && std::string(target, n) == temp_.Join("f")) {
      file_fd = fd;
      break;
    }
  }
  ::close(probe);
  ASSERT_GE(file_fd, 0);
  EXPECT_TRUE(fcntl(file_fd, F_GETFD) & FD_CLOEXEC);
  ASSERT_TRUE((*f)->Close().ok());
}

TEST_F(PosixEnvTest, ErrnoIsTranslatedWithOpAndPath) {
  auto w = env_->NewWritableFile(temp_.Join("a/b"), 0644);
  EXPECT_EQ(w.status().message(), "open " + temp_.Join("a/b") + ": No such file or directory");
  ASSERT_TRUE(WriteFileAtomically(env_, temp_.Join("file"), "x").ok());
  // A path through a regular file: ENOTDIR is an I/O error, not "not found".
  Status s = env_->CreateDir(temp_.Join("file/sub"), 0755);
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_EQ(s.message(), "mkdir " + temp_.Join("file/sub") + ": Not a directory");
  Status unlink_dir = env_->RemoveFile(temp_.path());
  EXPECT_FALSE(unlink_dir.ok());
}

TEST_F(PosixEnvTest, DefaultIsOneProcessWideInstance) { EXPECT_EQ(Env::Default(), env_); }

}  // namespace
}  // namespace ferry
