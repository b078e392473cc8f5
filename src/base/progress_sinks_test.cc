#include "base/progress_sinks.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "base/progress_test_support.h"

namespace ferry {
namespace {

using namespace ferry::testing;  // NOLINT: event builders

// A pseudo-terminal pair: `tty()` is what ferry would see as its stdout on a terminal.
class PseudoTerminal {
 public:
  PseudoTerminal() {
    master_ = posix_openpt(O_RDWR | O_NOCTTY);
    if (master_ < 0 || grantpt(master_) != 0 || unlockpt(master_) != 0) return;
    const int slave = ::open(ptsname(master_), O_RDWR | O_NOCTTY);
    if (slave >= 0) tty_ = fdopen(slave, "w");
  }
  ~PseudoTerminal() {
    if (tty_ != nullptr) std::fclose(tty_);
    if (master_ >= 0) ::close(master_);
  }
  std::FILE* tty() { return tty_; }

  // Reads what has been written to the terminal until `needle` shows up (2 s at most).
  std::string ReadUntil(const std::string& needle) {
    std::string seen;
    for (int i = 0; i < 40 && seen.find(needle) == std::string::npos; ++i) {
      pollfd p{master_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char buf[1024];
      const ssize_t n = ::read(master_, buf, sizeof(buf));
      if (n > 0) seen.append(buf, static_cast<size_t>(n));
    }
    return seen;
  }

 private:
  int master_ = -1;
  std::FILE* tty_ = nullptr;
};

TEST(AutoProgressSinkTest, PicksTheTerminalBarOnATty) {
  PseudoTerminal pty;
  ASSERT_NE(pty.tty(), nullptr) << "no pseudo-terminal available";
  auto sink = NewAutoProgressSink(pty.tty());
  sink->OnEvent(Plan(1, 10));
  EXPECT_NE(pty.ReadUntil("ETA").find("\r\x1b[2K  0/1 files  0 B / 10 B"), std::string::npos);
}

TEST(AutoProgressSinkTest, PicksPlainLinesForAFile) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  {
    auto sink = NewAutoProgressSink(file);
    sink->OnEvent(Note("hello"));
  }
  std::rewind(file);
  char buf[64] = {};
  const size_t n = std::fread(buf, 1, sizeof(buf) - 1, file);
  std::fclose(file);
  EXPECT_EQ(std::string(buf, n), "ferry: hello\n");
}

TEST(AutoProgressSinkTest, PicksPlainLinesOnADumbTerminal) {
  PseudoTerminal pty;
  ASSERT_NE(pty.tty(), nullptr) << "no pseudo-terminal available";
  const char* old = std::getenv("TERM");
  const std::string saved = old != nullptr ? old : "";
  ::setenv("TERM", "dumb", 1);
  auto sink = NewAutoProgressSink(pty.tty());
  if (old != nullptr) {
    ::setenv("TERM", saved.c_str(), 1);
  } else {
    ::unsetenv("TERM");
  }
  sink->OnEvent(Note("hello"));
  const std::string seen = pty.ReadUntil("hello");
  EXPECT_NE(seen.find("ferry: hello"), std::string::npos);
  EXPECT_EQ(seen.find("\x1b"), std::string::npos);
}

}  // namespace
}  // namespace ferry
