// ChangeWatch: tells, cheaply, whether anything changed in a set of local directories.
//
// Why: proving a manifest's md5s current took an lstat per table per request (2,000 system
// calls for a 2,000-table manifest, half of the server's CPU under load). Linux queues an
// inotify event inside the system call that changes a directory entry or a file's data or
// metadata, so reading the queue at the start of a request sees every change that completed
// before it. Epoch() drains the queue and counts the drains that found anything; while the
// epoch stays the same, nothing in a watched directory changed, and a file verified by lstat
// at this epoch is still the same file.
//
// What it does not see, and how callers stay safe:
// - Directories on network or FUSE filesystems (another host's writes raise no local event):
//   Watch() refuses them, so their files are always checked by lstat.
// - A directory removed or moved away loses its watch: Watching() turns false for it (and the
//   loss bumps the epoch), so its files are checked by lstat again until re-watched.
// - A full event queue (IN_Q_OVERFLOW) bumps the epoch like any event: everything is
//   re-checked once.
// - Writes through a shared mmap raise no event, and a watch follows its directory's inode,
//   so a parent directory swapped for another (rename of the root) goes unnoticed. For these
//   the epoch also advances at least every kMaxTrustNs: such a change shows within a second,
//   as the poller finds catalog edits, and the cost is one lstat per table per second. That
//   second is measured on the monotonic clock of the Env given (include/ferry/env.h), so a
//   test moves it with MemEnv::AdvanceClock instead of waiting.
//
// The watches themselves are inotify's, on the real disk: an index over a MemEnv has none.
//
// Thread-safety: every method may be called from many threads.
#ifndef FERRY_SERVE_CHANGE_WATCH_H_
#define FERRY_SERVE_CHANGE_WATCH_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "ferry/env.h"

namespace ferry::serve {

class ChangeWatch {
 public:
  static constexpr int64_t kMaxTrustNs = 1'000'000'000;

  // Without inotify (or past the instance limit) it watches nothing. `clock` (its
  // NowMonotonicNanos only; must outlive this) times the trust; `max_trust_ns`: tests
  // shorten or lengthen it.
  explicit ChangeWatch(Env* clock, int64_t max_trust_ns = kMaxTrustNs);
  ~ChangeWatch();
  ChangeWatch(const ChangeWatch&) = delete;
  ChangeWatch& operator=(const ChangeWatch&) = delete;

  // Starts watching `dir` (idempotent). False when it cannot: no inotify, the watch limit,
  // not a directory, or a network/FUSE filesystem.
  bool Watch(const std::string& dir);
  // Whether `dir` is watched right now.
  bool Watching(const std::string& dir);
  // Reads every queued event; the result grows by one for each call that found any.
  uint64_t Epoch();

 private:
  void DrainLocked();

  Env* const clock_;
  const int64_t max_trust_ns_;
  int fd_ = -1;
  std::mutex mu_;  // guards everything below and serialises reads of fd_
  std::map<std::string, int> wd_by_dir_;
  std::map<int, std::string> dir_by_wd_;
  uint64_t epoch_ = 0;
  int64_t epoch_started_ns_;  // clock_'s monotonic time
};

}  // namespace ferry::serve

#endif  // FERRY_SERVE_CHANGE_WATCH_H_
