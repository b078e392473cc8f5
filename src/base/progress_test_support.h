// Test helpers for the progress sinks: a FILE* whose contents a test can read back, and a
// manual monotonic clock. Header-only and used only by *_test.cc files.
#ifndef FERRY_BASE_PROGRESS_TEST_SUPPORT_H_
#define FERRY_BASE_PROGRESS_TEST_SUPPORT_H_

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "ferry/progress.h"

namespace ferry::testing {

// An in-memory FILE* (open_memstream).
class MemoryFile {
 public:
  MemoryFile() : file_(open_memstream(&buf_, &len_)) {}
  ~MemoryFile() {
    std::fclose(file_);
    std::free(buf_);
  }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;

  std::FILE* get() { return file_; }
  std::string text() {
    std::fflush(file_);
    return std::string(buf_, len_);
  }

 private:
  char* buf_ = nullptr;
  size_t len_ = 0;
  std::FILE* file_;
};

// A monotonic clock that moves only when told to.
class ManualClock {
 public:
  int64_t Now() const { return ns_.load(); }
  void SetMs(int64_t ms) { ns_.store(ms * 1'000'000); }
  auto AsFunction() {
    return [this] { return Now(); };
  }

 private:
  std::atomic<int64_t> ns_{0};
};

inline ProgressEvent Plan(uint64_t files, uint64_t bytes) {
  ProgressEvent e;
  e.kind = ProgressEvent::Kind::kPlan;
  e.files_total = files;
  e.bytes_total = bytes;
  return e;
}
inline ProgressEvent ItemStart(std::string item) {
  ProgressEvent e;
  e.kind = ProgressEvent::Kind::kItemStart;
  e.item = std::move(item);
  return e;
}
inline ProgressEvent Bytes(std::string item, uint64_t delta) {
  ProgressEvent e;
  e.kind = ProgressEvent::Kind::kBytes;
  e.item = std::move(item);
  e.bytes_delta = delta;
  return e;
}
inline ProgressEvent ItemDone(std::string item, bool ok = true, std::string message = "") {
  ProgressEvent e;
  e.kind = ProgressEvent::Kind::kItemDone;
  e.item = std::move(item);
  e.ok = ok;
  e.message = std::move(message);
  return e;
}
inline ProgressEvent Note(std::string message) {
  ProgressEvent e;
  e.kind = ProgressEvent::Kind::kNote;
  e.message = std::move(message);
  return e;
}
inline ProgressEvent Finish(bool ok = true, std::string message = "") {
  ProgressEvent e;
  e.kind = ProgressEvent::Kind::kFinish;
  e.ok = ok;
  e.message = std::move(message);
  return e;
}

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = 1024 * kKiB;
constexpr uint64_t kGiB = 1024 * kMiB;

}  // namespace ferry::testing

#endif  // FERRY_BASE_PROGRESS_TEST_SUPPORT_H_
