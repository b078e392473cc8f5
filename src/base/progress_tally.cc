#include "base/progress_tally.h"

#include <cmath>

namespace ferry {

void ProgressTally::Apply(const ProgressEvent& event, int64_t now_ns) {
  if (!start_ns_) start_ns_ = now_ns;
  switch (event.kind) {
    case ProgressEvent::Kind::kPlan:
      files_total_ = event.files_total;
      bytes_total_ = event.bytes_total;
      break;
    case ProgressEvent::Kind::kBytes:
      // The first anchor is taken before the first bytes land, so the time spent planning
      // does not count against the rate.
      if (samples_.empty()) samples_.push_back({now_ns, bytes_done_});
      bytes_done_ += event.bytes_delta;
      if (now_ns - samples_.back().t_ns >= kSampleSpacingNs) {
        samples_.push_back({now_ns, bytes_done_});
      }
      Prune(now_ns);
      break;
    case ProgressEvent::Kind::kItemDone:
      ++files_done_;
      if (!event.ok) ++files_failed_;
      break;
    case ProgressEvent::Kind::kStarted:
    case ProgressEvent::Kind::kItemStart:
    case ProgressEvent::Kind::kReferenceMade:
    case ProgressEvent::Kind::kRemoved:
    case ProgressEvent::Kind::kNote:
    case ProgressEvent::Kind::kWarning:
    case ProgressEvent::Kind::kFinish:
      break;
  }
}

void ProgressTally::Prune(int64_t now_ns) {
  // Keep the newest sample at or before the window's start as the anchor.
  while (samples_.size() >= 2 && samples_[1].t_ns <= now_ns - kRateWindowNs) {
    samples_.pop_front();
  }
}

std::optional<double> ProgressTally::Rate(int64_t now_ns) {
  if (samples_.empty()) return std::nullopt;
  Prune(now_ns);
  const Sample& anchor = samples_.front();
  const int64_t span = now_ns - anchor.t_ns;
  if (span < kMinRateSpanNs) return std::nullopt;
  return static_cast<double>(bytes_done_ - anchor.bytes_done) * 1e9 / static_cast<double>(span);
}

std::optional<int64_t> ProgressTally::EtaSeconds(int64_t now_ns) {
  if (bytes_total_ == 0) return std::nullopt;
  if (bytes_done_ >= bytes_total_) return 0;
  const std::optional<double> rate = Rate(now_ns);
  if (!rate || *rate <= 0) return std::nullopt;
  return static_cast<int64_t>(std::ceil(static_cast<double>(bytes_total_ - bytes_done_) / *rate));
}

int64_t ProgressTally::ElapsedNs(int64_t now_ns) const {
  return start_ns_ ? now_ns - *start_ns_ : 0;
}

std::optional<double> ProgressTally::AverageRate(int64_t now_ns) const {
  const int64_t elapsed = ElapsedNs(now_ns);
  if (elapsed <= 0) return std::nullopt;
  return static_cast<double>(bytes_done_) * 1e9 / static_cast<double>(elapsed);
}

}  // namespace ferry
