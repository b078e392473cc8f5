// ProgressTally: the running totals behind every rendering progress sink (files and bytes done
// against the plan's totals, failures, transfer rate, ETA), fed one ProgressEvent at a time with
// the monotonic time it arrived.
//
// The rate is measured over a sliding window (the last kRateWindowNs), so it follows the
// transfer's current speed and decays to zero when bytes stop moving; it is unknown until
// bytes have moved for at least kMinRateSpanNs. The window keeps one anchor sample per
// kSampleSpacingNs, so its memory is bounded however many kBytes events arrive.
//
// Thread-safety: none; each sink guards its tally with its own mutex.
#ifndef FERRY_BASE_PROGRESS_TALLY_H_
#define FERRY_BASE_PROGRESS_TALLY_H_

#include <cstdint>
#include <deque>
#include <optional>

#include "ferry/progress.h"

namespace ferry {

class ProgressTally {
 public:
  static constexpr int64_t kRateWindowNs = 5'000'000'000;
  static constexpr int64_t kMinRateSpanNs = 1'000'000'000;
  static constexpr int64_t kSampleSpacingNs = 100'000'000;

  void Apply(const ProgressEvent& event, int64_t now_ns);

  uint64_t files_total() const { return files_total_; }
  uint64_t bytes_total() const { return bytes_total_; }
  uint64_t files_done() const { return files_done_; }  // finished, ok or not
  uint64_t files_failed() const { return files_failed_; }
  uint64_t bytes_done() const { return bytes_done_; }

  // Bytes per second over the recent window, or nullopt while it is not yet measurable.
  std::optional<double> Rate(int64_t now_ns);
  // Whole seconds until bytes_done reaches bytes_total at the current rate (rounded up);
  // 0 when everything planned has moved; nullopt without a plan or a non-zero rate.
  std::optional<int64_t> EtaSeconds(int64_t now_ns);
  // Since the first event.
  int64_t ElapsedNs(int64_t now_ns) const;
  // bytes_done over the whole elapsed time; nullopt when no time has passed.
  std::optional<double> AverageRate(int64_t now_ns) const;

 private:
  struct Sample {
    int64_t t_ns;
    uint64_t bytes_done;
  };
  void Prune(int64_t now_ns);

  std::optional<int64_t> start_ns_;
  uint64_t files_total_ = 0;
  uint64_t bytes_total_ = 0;
  uint64_t files_done_ = 0;
  uint64_t files_failed_ = 0;
  uint64_t bytes_done_ = 0;
  std::deque<Sample> samples_;  // oldest first
};

}  // namespace ferry

#endif  // FERRY_BASE_PROGRESS_TALLY_H_
