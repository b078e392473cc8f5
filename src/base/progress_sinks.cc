// The simple sinks (silent, auto) and the public factories over the clock-injected ones.
#include "base/progress_sinks.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>

namespace ferry {

namespace {

class SilentProgressSink final : public ProgressSink {
 public:
  void OnEvent(const ProgressEvent& /*event*/) override {}
};

}  // namespace

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

std::unique_ptr<ProgressSink> NewAutoProgressSink(std::FILE* out) {
  // A dumb terminal (an editor's shell buffer) shows escape codes literally.
  const char* term = std::getenv("TERM");
  const bool dumb = term != nullptr && std::strcmp(term, "dumb") == 0;
  if (::isatty(::fileno(out)) == 1 && !dumb) return NewTerminalProgressSink(out);
  return NewLineProgressSink(out);
}

}  // namespace ferry
