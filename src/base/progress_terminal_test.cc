#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "base/progress_sinks.h"
#include "base/progress_test_support.h"

namespace ferry {
namespace {

using namespace ferry::testing;  // NOLINT: event builders

const std::string kErase = "\r\x1b[2K";

// The terminal sink writes to a real FILE* (tmpfile()), as it would to a TTY.
class TerminalProgressSinkTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE(file_, nullptr); }
  void TearDown() override { std::fclose(file_); }

  void At(int64_t ms, const ProgressEvent& e) {
    clock_.SetMs(ms);
    sink_->OnEvent(e);
  }
  std::string Text() {
    std::fflush(file_);
    std::string text;
    std::rewind(file_);
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), file_)) > 0) text.append(buf, n);
    std::fseek(file_, 0, SEEK_END);
    return text;
  }

  std::FILE* file_ = std::tmpfile();
  ManualClock clock_;
  std::unique_ptr<ProgressSink> sink_ = NewTerminalProgressSink(file_, clock_.AsFunction());
};

TEST_F(TerminalProgressSinkTest, RedrawsInPlaceAtMostTenTimesASecond) {
  At(0, Plan(3, 3 * kGiB));
  At(50, Bytes("x", 100 * kMiB));    // too soon after the first draw
  At(100, Bytes("x", 100 * kMiB));   // 100 ms later: redraw
  At(150, Bytes("x", 100 * kMiB));   // too soon
  At(1050, Bytes("x", 724 * kMiB));  // 1 GiB in the second since the first bytes
  At(1100, ItemDone("x"));           // too soon
  // clang-format off
  EXPECT_EQ(Text(),
            kErase + "  0/3 files  0 B / 3.0 GiB  --/s  ETA --:--" +
            kErase + "  0/3 files  200 MiB / 3.0 GiB  --/s  ETA --:--" +
            kErase + "  0/3 files  1.0 GiB / 3.0 GiB  1.0 GiB/s  ETA 0:02");
  // clang-format on
}

TEST_F(TerminalProgressSinkTest, FailuresAndNotesTakeTheirOwnLineAboveTheBar) {
  At(0, Plan(3, 3 * kGiB));
  At(50, Bytes("x", 0));
  At(1050, Bytes("x", 1 * kGiB));
  At(1100, ItemDone("x"));
  At(1100, ItemDone("y", false, "permission denied"));
  At(1150, Note("checking"));
  At(4000, Finish());
  // clang-format off
  EXPECT_EQ(Text(),
            kErase + "  0/3 files  0 B / 3.0 GiB  --/s  ETA --:--" +
            kErase + "  0/3 files  1.0 GiB / 3.0 GiB  1.0 GiB/s  ETA 0:02" +
            kErase + "failed y: permission denied\n" +
            kErase + "  2/3 files  1.0 GiB / 3.0 GiB  975 MiB/s  ETA 0:03" +
            kErase + "checking\n" +
            kErase + "  2/3 files  1.0 GiB / 3.0 GiB  931 MiB/s  ETA 0:03" +
            kErase + "  2/3 files  1.0 GiB / 3.0 GiB  256 MiB/s  done in 0:04  (1 failed)\n");
  // clang-format on
}

TEST_F(TerminalProgressSinkTest, FinishEndsTheLineEvenRightAfterARedraw) {
  At(0, Plan(1, 10));
  At(10, Bytes("a", 10));
  At(20, ItemDone("a"));
  At(30, Finish(false, "interrupted"));
  const std::string text = Text();
  EXPECT_EQ(text, kErase + "  0/1 files  0 B / 10 B  --/s  ETA --:--" + kErase +
                      "  1/1 files  10 B / 10 B  333 B/s  stopped after 0:00  interrupted\n");
}

TEST_F(TerminalProgressSinkTest, NoteBeforeAnyBarIsAPlainLine) {
  At(0, Note("scanning /data"));
  EXPECT_EQ(Text(), "scanning /data\n" + kErase + "  0 files  0 B  --/s  ETA --:--");
}

}  // namespace
}  // namespace ferry
