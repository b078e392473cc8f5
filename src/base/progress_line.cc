// The line sink, for logs and pipes: no escape codes, and few enough lines that a multi-hour
// transfer leaves a readable log.
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "base/progress_format.h"
#include "base/progress_sinks.h"
#include "base/progress_tally.h"

namespace ferry {

namespace {

class LineProgressSink final : public ProgressSink {
 public:
  LineProgressSink(std::FILE* out, int64_t interval_ms, ProgressClock now_ns)
      : out_(out), interval_ns_(interval_ms * 1'000'000), now_ns_(std::move(now_ns)) {}

  void OnEvent(const ProgressEvent& event) override {
    std::lock_guard<std::mutex> lock(mu_);
    const int64_t now = now_ns_();
    tally_.Apply(event, now);
    // The throttle starts with the first event, so the first progress line comes one
    // interval in, not at once (a quick operation prints only its summary).
    if (!last_line_ns_) last_line_ns_ = now;
    switch (event.kind) {
      case ProgressEvent::Kind::kItemDone:
        if (!event.ok) {
          Write("ferry: failed " + event.item +
                (event.message.empty() ? "" : ": " + event.message) + "\n");
        }
        MaybeProgressLine(now);
        break;
      case ProgressEvent::Kind::kBytes:
        MaybeProgressLine(now);
        break;
      case ProgressEvent::Kind::kNote:
        Write("ferry: " + event.message + "\n");
        break;
      case ProgressEvent::Kind::kFinish:
        Write(FinishLine(now, event));
        last_line_ns_.reset();
        break;
      case ProgressEvent::Kind::kStarted:
      case ProgressEvent::Kind::kPlan:
      case ProgressEvent::Kind::kItemStart:
      case ProgressEvent::Kind::kReferenceMade:
      case ProgressEvent::Kind::kRemoved:
      case ProgressEvent::Kind::kWarning:  // the report that follows shows it
        break;
    }
  }

 private:
  std::string Counts(const char* bytes_joiner) const {
    std::string line = std::to_string(tally_.files_done());
    if (tally_.files_total() > 0) line += "/" + std::to_string(tally_.files_total());
    line += " files, " + FormatBytes(tally_.bytes_done());
    if (tally_.bytes_total() > 0) line += bytes_joiner + FormatBytes(tally_.bytes_total());
    return line;
  }

  void MaybeProgressLine(int64_t now) {
    if (now - *last_line_ns_ < interval_ns_) return;
    std::string line = "ferry: " + Counts(" of ");
    if (const std::optional<double> rate = tally_.Rate(now)) line += ", " + FormatRate(*rate);
    if (const std::optional<int64_t> eta = tally_.EtaSeconds(now)) {
      line += ", ETA " + FormatShortDuration(*eta);
    }
    Write(line + "\n");
    last_line_ns_ = now;
  }

  std::string FinishLine(int64_t now, const ProgressEvent& event) {
    std::string line = event.ok ? "ferry: done: " : "ferry: stopped: ";
    line += std::to_string(tally_.files_done());
    if (tally_.files_total() > 0) line += "/" + std::to_string(tally_.files_total());
    line += " files, " + FormatBytes(tally_.bytes_done()) + " in " +
            FormatShortDuration(tally_.ElapsedNs(now) / 1'000'000'000);
    if (const std::optional<double> rate = tally_.AverageRate(now)) {
      line += " (" + FormatRate(*rate) + ")";
    }
    if (tally_.files_failed() > 0) line += ", " + std::to_string(tally_.files_failed()) + " failed";
    if (!event.message.empty()) line += ": " + event.message;
    return line + "\n";
  }

  void Write(const std::string& text) {
    // Advisory output: a full disk under the log must not fail the transfer.
    std::fwrite(text.data(), 1, text.size(), out_);
    std::fflush(out_);
  }

  std::mutex mu_;
  std::FILE* out_;
  int64_t interval_ns_;
  ProgressClock now_ns_;
  ProgressTally tally_;
  std::optional<int64_t> last_line_ns_;
};

}  // namespace

std::unique_ptr<ProgressSink> NewLineProgressSink(std::FILE* out, int64_t interval_ms,
                                                  ProgressClock now_ns) {
  return std::make_unique<LineProgressSink>(out, interval_ms, std::move(now_ns));
}

}  // namespace ferry
