// Md5Index: the MD5 of each served file, computed once per file version. A version is the
// tuple (device, inode, size, mtime_ns): replacing a file (rename over it) changes the inode,
// writing into it changes size or mtime, so a cached digest is reused only while all four
// still match what lstat reports. Files are read, and the racy rule's wall clock is read,
// through the Env given (include/ferry/env.h): the real disk in `ferry serve`, MemEnv and its
// manual clock in tests.
//
// Invariants (the server's promise "never advertise an md5 the bytes do not have"):
// - A digest is recorded only if fstat gave the same version before and after reading the
//   file through one open descriptor, so the recorded bytes are the version's bytes.
// - An entry whose hashing started within kRacyWindowNs of the file's mtime is "racy": a
//   write in the same timestamp tick could change the bytes without changing the version, so
//   such an entry is re-hashed on its next use instead of trusted (git's racy-index rule).
// - Files are opened without following a symlink (Env::NewRandomAccessFile): callers pass
//   canonical paths (see catalog.h), so a
//   symlink appearing later is refused rather than followed out of root.
//
// Thread-safety: every method may be called from many threads. Concurrent Current() calls for
// the same path hash it once; different paths hash in parallel.
#ifndef FERRY_SERVE_MD5_INDEX_H_
#define FERRY_SERVE_MD5_INDEX_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ferry/env.h"
#include "ferry/status.h"
#include "serve/change_watch.h"

namespace ferry::serve {

struct FileVersion {
  uint64_t device = 0;
  uint64_t inode = 0;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  std::string md5;  // lowercase hex
};

// True when `info` (from Stat/LinkStat or an open file's Stat) describes the version `v`.
bool SameVersion(const FileInfo& info, const FileVersion& v);

// What the manifest builder and download handler need: the digest of a file's current
// version, and the Env those files live in (the builder lists a partitioned table's
// directory and the download handler streams the file through it). A fake implements it in
// tests.
class FileDigests {
 public:
  // `env` must outlive this object.
  explicit FileDigests(Env* env) : env_(env) {}
  virtual ~FileDigests() = default;
  FileDigests(const FileDigests&) = delete;
  FileDigests& operator=(const FileDigests&) = delete;

  Env* env() const { return env_; }

  // kNotFound when the file is gone; kUnavailable (retryable) when it kept changing while
  // being hashed; kPermissionDenied when it is not a regular file (e.g. became a symlink).
  virtual Result<FileVersion> Current(const std::string& path) = 0;
  // Whether `v` (an earlier answer of Current for `path`) still describes the file, judged by
  // lstat alone: no hashing, no lock, so it is cheap enough for every file of every manifest
  // (manifest_cache.h). It does not know about racy entries; callers handle those.
  virtual bool StillCurrent(const std::string& path, const FileVersion& v);
  // Change tracking (change_watch.h), so callers can skip even that lstat: while
  // ChangeEpoch() is unchanged and Watched(path) holds, a file StillCurrent at that epoch has
  // not changed. The default watches nothing (fakes in tests; callers then always lstat).
  virtual uint64_t ChangeEpoch() { return 0; }
  virtual bool Watched(const std::string& path);

 private:
  Env* const env_;
};

class Md5Index : public FileDigests {
 public:
  static constexpr int64_t kRacyWindowNs = 100'000'000;  // 100 ms: above any fs timestamp tick

  // Reads files through `env` and dates each hashing by its wall clock. `watch` (may be null:
  // nothing is watched and callers check every file by lstat) must watch the filesystem
  // `env` reads; inotify sees only the real disk, so a MemEnv index has none.
  Md5Index(Env* env, std::unique_ptr<ChangeWatch> watch)
      : FileDigests(env), watch_(std::move(watch)) {}

  // Also starts watching the file's directory (before its first lstat, so no change after
  // the answer can go unseen).
  Result<FileVersion> Current(const std::string& path) override;
  uint64_t ChangeEpoch() override { return watch_ ? watch_->Epoch() : 0; }
  bool Watched(const std::string& path) override;

  // Brings every path's entry up to date using `threads` threads (start-up and after a
  // change); errors are left for Current() to report when the file is asked for.
  void Warm(const std::vector<std::string>& paths, size_t threads);

  // How many files were read and hashed so far (tests assert caching with it).
  uint64_t hashes_computed() const { return hashes_computed_.load(); }

 private:
  struct Entry {
    FileVersion version;
    bool racy = false;
  };
  Result<FileVersion> HashNow(const std::string& path);
  std::shared_ptr<std::mutex> PathLock(const std::string& path);

  std::mutex mu_;  // guards entries_ and path_locks_
  std::map<std::string, Entry> entries_;
  std::map<std::string, std::shared_ptr<std::mutex>> path_locks_;
  std::atomic<uint64_t> hashes_computed_{0};
  const std::unique_ptr<ChangeWatch> watch_;
};

}  // namespace ferry::serve

#endif  // FERRY_SERVE_MD5_INDEX_H_
