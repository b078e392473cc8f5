// The terminal bar: one line, redrawn in place with "\r" and erase-line (ESC [2K), so a
// shorter line never leaves the tail of a longer one behind.
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "base/progress_format.h"
#include "base/progress_sinks.h"
#include "base/progress_tally.h"

namespace ferry {

namespace {

constexpr const char* kEraseLine = "\r\x1b[2K";

class TerminalProgressSink final : public ProgressSink {
 public:
  TerminalProgressSink(std::FILE* tty, ProgressClock now_ns)
      : tty_(tty), now_ns_(std::move(now_ns)) {}

  void OnEvent(const ProgressEvent& event) override {
    std::lock_guard<std::mutex> lock(mu_);
    const int64_t now = now_ns_();
    tally_.Apply(event, now);
    switch (event.kind) {
      case ProgressEvent::Kind::kItemDone:
        if (!event.ok) {
          PrintAbove("failed " + event.item + (event.message.empty() ? "" : ": " + event.message));
          Draw(now);
        } else {
          MaybeDraw(now);
        }
        break;
      case ProgressEvent::Kind::kNote:
        PrintAbove(event.message);
        Draw(now);
        break;
      case ProgressEvent::Kind::kFinish:
        DrawFinal(now, event);
        break;
      case ProgressEvent::Kind::kPlan:
      case ProgressEvent::Kind::kItemStart:
      case ProgressEvent::Kind::kBytes:
        MaybeDraw(now);
        break;
      case ProgressEvent::Kind::kStarted:
      case ProgressEvent::Kind::kReferenceMade:
      case ProgressEvent::Kind::kRemoved:
      case ProgressEvent::Kind::kWarning:  // the report that follows shows it
        break;
    }
  }

 private:
  std::string FilesAndBytes() const {
    std::string line = "  " + std::to_string(tally_.files_done());
    if (tally_.files_total() > 0) line += "/" + std::to_string(tally_.files_total());
    line += " files  " + FormatBytes(tally_.bytes_done());
    if (tally_.bytes_total() > 0) line += " / " + FormatBytes(tally_.bytes_total());
    return line;
  }

  void MaybeDraw(int64_t now) {
    if (last_draw_ns_ && now - *last_draw_ns_ < kTerminalRedrawNs) return;
    Draw(now);
  }

  void Draw(int64_t now) {
    const std::optional<double> rate = tally_.Rate(now);
    const std::optional<int64_t> eta = tally_.EtaSeconds(now);
    std::string line = kEraseLine + FilesAndBytes();
    line += "  " + (rate ? FormatRate(*rate) : std::string("--/s"));
    line += "  ETA " + (eta ? FormatClockDuration(*eta) : std::string("--:--"));
    Write(line);
    bar_visible_ = true;
    last_draw_ns_ = now;
  }

  void DrawFinal(int64_t now, const ProgressEvent& event) {
    const std::optional<double> rate = tally_.AverageRate(now);
    std::string line = kEraseLine + FilesAndBytes();
    line += "  " + (rate ? FormatRate(*rate) : std::string("--/s"));
    line += std::string(event.ok ? "  done in " : "  stopped after ") +
            FormatClockDuration(tally_.ElapsedNs(now) / 1'000'000'000);
    if (tally_.files_failed() > 0)
      line += "  (" + std::to_string(tally_.files_failed()) + " failed)";
    if (!event.message.empty()) line += "  " + event.message;
    Write(line + "\n");
    bar_visible_ = false;
    last_draw_ns_.reset();
  }

  // A line of its own above the bar: erase the bar, print, and leave the cursor below.
  void PrintAbove(const std::string& text) {
    Write((bar_visible_ ? std::string(kEraseLine) : std::string()) + text + "\n");
    bar_visible_ = false;
  }

  void Write(const std::string& text) {
    // Advisory output: a failed write to the terminal must not fail the transfer.
    std::fwrite(text.data(), 1, text.size(), tty_);
    std::fflush(tty_);
  }

  std::mutex mu_;
  std::FILE* tty_;
  ProgressClock now_ns_;
  ProgressTally tally_;
  std::optional<int64_t> last_draw_ns_;
  bool bar_visible_ = false;
};

}  // namespace

std::unique_ptr<ProgressSink> NewTerminalProgressSink(std::FILE* tty, ProgressClock now_ns) {
  return std::make_unique<TerminalProgressSink>(tty, std::move(now_ns));
}

}  // namespace ferry
