// The progress sinks of include/ferry/progress.h with their clock injected: the public
// factories use std::chrono::steady_clock; an engine that has an Env can pass
// [env] { return env->NowMonotonicNanos(); }, and tests pass a manual clock so that rates,
// ETAs and throttling render the same on every run.
//
// What each sink writes (exact formats, pinned by the tests):
// - Terminal: "\r\x1b[2K" + "  37/200 files  1.2 GiB / 3.4 GiB  112 MiB/s  ETA 0:21", redrawn
//   at most every kTerminalRedrawNs; a failed item ("failed <item>: <message>") or a note
//   erases the bar, takes its own line, and the bar is redrawn below it; kFinish draws
//   "  200/200 files  3.4 GiB / 3.4 GiB  112 MiB/s  done in 0:31" (average rate) and a newline.
// - Line: "ferry: 37/200 files, 1.2 GiB of 3.4 GiB, 112 MiB/s, ETA 21s" when bytes move or an
//   item ends and at least interval_ms passed since the last such line (the first one comes
//   interval_ms after the first event); "ferry: failed <item>: <message>" and
//   "ferry: <note>" at once; kFinish: "ferry: done: 200/200 files, 3.4 GiB in 31s (112 MiB/s)".
// - JsonLines: one object per event, see progress_json_lines.cc.
// Unknown parts (no plan yet, rate not yet measurable) are left out of Line output and shown
// as "--" on the terminal bar, whose layout should not jump.
#ifndef FERRY_BASE_PROGRESS_SINKS_H_
#define FERRY_BASE_PROGRESS_SINKS_H_

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>

#include "ferry/progress.h"

namespace ferry {

// Monotonic nanoseconds.
using ProgressClock = std::function<int64_t()>;

constexpr int64_t kTerminalRedrawNs = 100'000'000;  // 10 redraws a second at most

// The real clock the public factories use.
int64_t SteadyNowNanos();

std::unique_ptr<ProgressSink> NewTerminalProgressSink(std::FILE* tty, ProgressClock now_ns);
std::unique_ptr<ProgressSink> NewLineProgressSink(std::FILE* out, int64_t interval_ms,
                                                  ProgressClock now_ns);
std::unique_ptr<ProgressSink> NewJsonLinesProgressSink(std::FILE* out, ProgressClock now_ns);

}  // namespace ferry

#endif  // FERRY_BASE_PROGRESS_SINKS_H_
