// The simple sinks (silent, tee, auto), the kinds' names and the public factories over the
// clock-injected ones.
#include "base/progress_sinks.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

namespace ferry {

namespace {

class SilentProgressSink final : public ProgressSink {
 public:
  void OnEvent(const ProgressEvent& /*event*/) override {}
};

class TeeProgressSink final : public ProgressSink {
 public:
  explicit TeeProgressSink(std::vector<std::unique_ptr<ProgressSink>> sinks)
      : sinks_(std::move(sinks)) {}
  void OnEvent(const ProgressEvent& event) override {
    for (const std::unique_ptr<ProgressSink>& s : sinks_) s->OnEvent(event);
  }

 private:
  const std::vector<std::unique_ptr<ProgressSink>> sinks_;  // each thread-safe on its own
};

}  // namespace

const char* ProgressKindName(ProgressEvent::Kind kind) {
  switch (kind) {
    case ProgressEvent::Kind::kStarted:
      return "started";
    case ProgressEvent::Kind::kPlan:
      return "plan";
    case ProgressEvent::Kind::kItemStart:
      return "item_start";
    case ProgressEvent::Kind::kBytes:
      return "bytes";
    case ProgressEvent::Kind::kItemDone:
      return "item_done";
    case ProgressEvent::Kind::kReferenceMade:
      return "reference_made";
    case ProgressEvent::Kind::kRemoved:
      return "removed";
    case ProgressEvent::Kind::kNote:
      return "note";
    case ProgressEvent::Kind::kWarning:
      return "warning";
    case ProgressEvent::Kind::kFinish:
      return "finish";
  }
  return "unknown";
}

int64_t SteadyNowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::unique_ptr<ProgressSink> NewSilentProgressSink() {
  return std::make_unique<SilentProgressSink>();
}

std::unique_ptr<ProgressSink> NewTerminalProgressSink(std::FILE* tty) {
  return NewTerminalProgressSink(tty, SteadyNowNanos);
}

std::unique_ptr<ProgressSink> NewLineProgressSink(std::FILE* out, int64_t interval_ms) {
  return NewLineProgressSink(out, interval_ms, SteadyNowNanos);
}

std::unique_ptr<ProgressSink> NewJsonLinesProgressSink(std::FILE* out) {
  return NewJsonLinesProgressSink(out, SteadyNowNanos);
}

std::unique_ptr<ProgressSink> NewTeeProgressSink(std::vector<std::unique_ptr<ProgressSink>> sinks) {
  return std::make_unique<TeeProgressSink>(std::move(sinks));
}

std::unique_ptr<ProgressSink> NewAutoProgressSink(std::FILE* out) {
  // A dumb terminal (an editor's shell buffer) shows escape codes literally.
  const char* term = std::getenv("TERM");
  const bool dumb = term != nullptr && std::strcmp(term, "dumb") == 0;
  if (::isatty(::fileno(out)) == 1 && !dumb) return NewTerminalProgressSink(out);
  return NewLineProgressSink(out);
}

}  // namespace ferry
