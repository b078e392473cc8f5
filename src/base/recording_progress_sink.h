// RecordingProgressSink: a ProgressSink that keeps every event it receives, in arrival order,
// so tests assert on what an engine reported (the ninja `commands_ran_` pattern).
//
// Thread-safety: OnEvent and the accessors may be called concurrently; accessors return
// copies taken under the lock.
#ifndef FERRY_BASE_RECORDING_PROGRESS_SINK_H_
#define FERRY_BASE_RECORDING_PROGRESS_SINK_H_

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "ferry/progress.h"

namespace ferry {

class RecordingProgressSink : public ProgressSink {
 public:
  void OnEvent(const ProgressEvent& event) override;

  std::vector<ProgressEvent> events() const;
  // The events of one kind, in order.
  std::vector<ProgressEvent> events_of(ProgressEvent::Kind kind) const;
  // Sum of bytes_delta over kBytes events (for `item`, or all items when empty).
  uint64_t bytes_reported(const std::string& item = "") const;
  // Items whose kItemDone said ok == false, in order.
  std::vector<std::string> failed_items() const;
  void Clear();

 private:
  mutable std::mutex mu_;
  std::vector<ProgressEvent> events_;
};

}  // namespace ferry

#endif  // FERRY_BASE_RECORDING_PROGRESS_SINK_H_
