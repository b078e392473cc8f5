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
#include <optional>
#include <string>
#include <vector>

namespace ferry {

// What an operation's summary counts (the same numbers as its report), carried by kFinish.
// Engine-neutral: pull, push and sync all add, update and remove entries.
struct ProgressSummary {
  uint64_t added = 0;
  uint64_t updated = 0;
  uint64_t removed = 0;
  uint64_t bytes = 0;     // bytes transferred
  uint64_t failures = 0;  // entries that failed (the rest went through)
  int exit_status = 0;    // the process's exit code (cli/exit_codes.h)
};

// One event: a kind, the item it is about, and the optional fields its kind uses (the rest
// stay at their defaults). The --events stream (docs/EVENTS.md) documents each kind's fields.
struct ProgressEvent {
  enum class Kind {
    kStarted,        // the operation began: operation, item (the workspace), peer (the server)
    kPlan,           // totals known: files_total, bytes_total
    kItemStart,      // an item (a table, a bundle, a run) starts: item
    kBytes,          // bytes moved for item: bytes_delta
    kItemDone,       // item finished: item, ok, message on failure; size_bytes, digest if known
    kReferenceMade,  // a reference now exposes a canonical: item (the reference), target,
                     // strategy
    kRemoved,        // item left the disk: what ("reference", "canonical", "bundle",
                     // "package")
    kNote,           // a line worth showing: message
    kWarning,        // something the person should read (also in the report): message, item
                     // when it is about one
    kFinish,         // the whole operation ended: ok, message on failure, summary
  };
  Kind kind = Kind::kNote;
  std::string item;
  uint64_t files_total = 0;
  uint64_t bytes_total = 0;
  uint64_t bytes_delta = 0;
  bool ok = true;
  std::string message;
  std::string operation;                   // kStarted: "pull", "push", "sync"
  std::string peer;                        // kStarted: the server's URL
  std::optional<uint64_t> size_bytes;      // kItemDone: the bytes now in place
  std::string digest;                      // kItemDone: their md5 (hex); "" = not one file
  std::string target;                      // kReferenceMade: the canonical it exposes
  std::string strategy;                    // kReferenceMade: "symlink", "hardlink", ...
  std::string what;                        // kRemoved
  std::optional<ProgressSummary> summary;  // kFinish
};

// The kind's name in the --events stream: "started", "plan", "item_start", "bytes",
// "item_done", "reference_made", "removed", "note", "warning", "finish".
const char* ProgressKindName(ProgressEvent::Kind kind);

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

// One JSON object per event per line (--events), for programs that drive ferry. `out` must
// outlive the sink; each line is flushed as it is written.
std::unique_ptr<ProgressSink> NewJsonLinesProgressSink(std::FILE* out);

// Passes every event to each of `sinks` in order (--events beside the terminal bar).
std::unique_ptr<ProgressSink> NewTeeProgressSink(std::vector<std::unique_ptr<ProgressSink>> sinks);

// Picks the terminal bar when `out` is a TTY, else the line sink.
std::unique_ptr<ProgressSink> NewAutoProgressSink(std::FILE* out);

}  // namespace ferry

#endif  // FERRY_PROGRESS_H_
