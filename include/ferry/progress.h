// ProgressSink: how an engine tells the person (or a program) watching what it is doing,
// without knowing whether that is a terminal bar, JSON lines on stdout (--events), nothing at
// all (--quiet), or a test recording events.
//
// Engines call it from any thread; implementations are thread-safe. Events are advisory: a
// sink never fails the operation (it has no Status to return), so rendering problems cannot
// lose data.
#ifndef FERRY_PROGRESS_H_
#define FERRY_PROGRESS_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

namespace ferry {

struct ProgressEvent {
  enum class Kind {
    kPlan,       // totals known: files_total, bytes_total
    kItemStart,  // an item (a table, a bundle, a run) starts: item
    kBytes,      // bytes moved for item: bytes_delta
    kItemDone,   // item finished: item, ok, message on failure
    kNote,       // a line worth showing: message
    kFinish,     // the whole operation ended
  };
  Kind kind = Kind::kNote;
  std::string item;
  uint64_t files_total = 0;
  uint64_t bytes_total = 0;
  uint64_t bytes_delta = 0;
  bool ok = true;
  std::string message;
};

class ProgressSink {
 public:
  ProgressSink() = default;
  ProgressSink(const ProgressSink&) = delete;
  ProgressSink& operator=(const ProgressSink&) = delete;
  virtual ~ProgressSink() = default;

  virtual void OnEvent(const ProgressEvent& event) = 0;
};

// Drops every event (--quiet, --json).
std::unique_ptr<ProgressSink> NewSilentProgressSink();

// A one-line bar redrawn on `tty` (files, bytes, rate, ETA) at most 10 times a second.
std::unique_ptr<ProgressSink> NewTerminalProgressSink(std::FILE* tty);

// For logs and pipes: a plain progress line to `out` at least every `interval_ms` while bytes
// move (and at each item's end), never more often than that.
std::unique_ptr<ProgressSink> NewLineProgressSink(std::FILE* out, int64_t interval_ms = 5000);

// One JSON object per event per line (--events), for programs that drive ferry.
std::unique_ptr<ProgressSink> NewJsonLinesProgressSink(std::FILE* out);

// Picks the terminal bar when `out` is a TTY, else the line sink.
std::unique_ptr<ProgressSink> NewAutoProgressSink(std::FILE* out);

}  // namespace ferry

#endif  // FERRY_PROGRESS_H_
