#include "base/recording_progress_sink.h"

namespace ferry {

void RecordingProgressSink::OnEvent(const ProgressEvent& event) {
  std::lock_guard<std::mutex> lock(mu_);
  events_.push_back(event);
}

std::vector<ProgressEvent> RecordingProgressSink::events() const {
  std::lock_guard<std::mutex> lock(mu_);
  return events_;
}

std::vector<ProgressEvent> RecordingProgressSink::events_of(ProgressEvent::Kind kind) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ProgressEvent> out;
  for (const ProgressEvent& e : events_) {
    if (e.kind == kind) out.push_back(e);
  }
  return out;
}

uint64_t RecordingProgressSink::bytes_reported(const std::string& item) const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t sum = 0;
  for (const ProgressEvent& e : events_) {
    if (e.kind == ProgressEvent::Kind::kBytes && (item.empty() || e.item == item)) {
      sum += e.bytes_delta;
    }
  }
  return sum;
}

std::vector<std::string> RecordingProgressSink::failed_items() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const ProgressEvent& e : events_) {
    if (e.kind == ProgressEvent::Kind::kItemDone && !e.ok) out.push_back(e.item);
  }
  return out;
}

void RecordingProgressSink::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  events_.clear();
}

}  // namespace ferry
