// DigestCache: remembers the MD5 of files by their stat identity, so unchanged files are never
// re-hashed (a no-op pull of a 10 GB workspace reads no file bytes).
//
// An entry is keyed by path and holds (device, inode, size, mtime_ns, ctime_ns) as seen when
// the digest was taken, the md5, and recorded_ns (the Env's wall clock at recording). It is
// trusted only when all five stat fields still match AND it is not racy:
//
//   racy := recorded_ns - mtime_ns < kRacyWindowNs
//
// A write landing in the same timestamp tick as the recording could change the bytes without
// changing the stamps (coarse filesystem clocks, git's "racy git" problem), so such an entry
// is re-hashed on its next use; the re-hash then records a non-racy entry. Only mtime matters
// for raciness: every content write sets mtime (and ctime) to the current tick, so once mtime
// is older than the window at recording time, any later write necessarily moves mtime away
// from the recorded value. ctime stays part of the identity key because a user cannot set it
// back (touch -d can fake mtime); a metadata-only change (chmod, a new hardlink) that moves
// ctime is re-validated by Refresh() without reading bytes.
//
// Freshly written files (downloads, copies) would be racy for one window. So ferry stamps a
// verified file's mtime with StampNs() (a time safely in the past) before recording it with
// RecordStamped(): the entry is trusted at once, and any later write moves mtime to "now".
//
// Persisted at <root>/.ferry/digests.json, replaced atomically:
//   {"version": 1, "entries": {"<path>": {"dev", "ino", "size", "mtime_ns", "ctime_ns",
//                                         "md5", "recorded_ns"}}}
// A missing or corrupt file is an empty cache (the cache is only ever an optimisation).
//
// Thread-safety: all methods may be called concurrently (one mutex; hashing happens outside
// it, so parallel downloads/verifications do not serialise on it).
#ifndef FERRY_STORE_DIGEST_CACHE_H_
#define FERRY_STORE_DIGEST_CACHE_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ferry/env.h"
#include "ferry/status.h"

namespace ferry {

class DigestCache {
 public:
  // Linux takes file timestamps from the coarse clock (current_time() truncates
  // ktime_get_coarse_real_ts64 to the filesystem's granularity): it advances once per jiffy,
  // and a jiffy is at most 10 ms (HZ >= 100). Two ticks of margin covers a recording that
  // reads the fine wall clock just before the coarse clock catches up. Filesystems with
  // coarser stamps (1 s ext3, 2 s FAT) stay correct only for ferry's own stamped files (whole
  // even seconds in the past); on such filesystems keep workspaces off them.
  static constexpr int64_t kRacyWindowNs = 20'000'000;
  // The largest digests.json Load() reads; a bigger one is treated as corrupt.
  static constexpr uint64_t kMaxFileBytes = uint64_t{512} << 20;

  struct Entry {
    uint64_t dev = 0;
    uint64_t ino = 0;
    uint64_t size = 0;
    int64_t mtime_ns = 0;
    int64_t ctime_ns = 0;
    std::string md5;
    int64_t recorded_ns = 0;
  };

  // `path` is where the cache persists (WorkspaceLayout::digests_path()).
  DigestCache(Env* env, std::string path);
  DigestCache(const DigestCache&) = delete;
  DigestCache& operator=(const DigestCache&) = delete;

  // Missing file -> empty cache. Corrupt file -> empty cache and load_warning() says why;
  // only a read error other than "not found" is returned.
  Status Load();
  // Writes the file (creating .ferry/ if needed) only when something changed since Load/Save.
  Status Save();

  // The cached md5 if `path`'s stat (following symlinks) matches a non-racy entry; otherwise
  // hashes the file (counting the bytes in bytes_hashed()), records and returns the digest.
  // A file that changed while being hashed gets its digest returned but not recorded.
  Result<std::string> Md5Of(const std::string& path);
  // The same, for a caller that has just stat'ed `path` itself (`info`, of a regular file):
  // saves the second stat on the no-op path, where every canonical is checked.
  Result<std::string> Md5Of(const std::string& path, const FileInfo& info);
  // Records a digest computed while streaming (a download, a copy) for the file now at
  // `path`; stats it to key the entry.
  Status Record(const std::string& path, const std::string& md5);
  // The mtime ferry stamps on a file it has just verified (a download, a copy): the wall
  // clock rounded down to an even second, minus 2 s, so every filesystem can hold it exactly
  // and it is older than kRacyWindowNs at recording time.
  int64_t StampNs();
  // Records `md5` for `path` only if its mtime is exactly `stamp_ns` (the caller set it with
  // Env::SetModificationTime after verifying the bytes); otherwise something wrote the file
  // since, and the entry is dropped instead.
  Status RecordStamped(const std::string& path, const std::string& md5, int64_t stamp_ns);
  // Re-validates the entries for `path` and every path under `path`/ after a metadata-only
  // change ferry made itself (a hardlink to a canonical moves its ctime): an entry that was
  // not racy and still matches device, inode, size and mtime takes the new ctime and keeps
  // its md5 (no byte is read). Others are left to be re-hashed on use.
  void Refresh(const std::string& path);
  // After ferry made `ref` a reference to the canonical `shared` (a file or a tree):
  // `shares_inode` (a hardlink): Refresh(shared). Otherwise (a copy or reflink): each trusted
  // digest of `shared` (or its parts) is carried to the matching file under `ref`, whose
  // mtime is stamped first (StampNs / RecordStamped). Best effort: the cache is only an
  // optimisation.
  void NoteReference(const std::string& shared, const std::string& ref, bool shares_inode);
  // Drops the entry for `path` (file removed or replaced).
  void Forget(const std::string& path);

  // The entry for `path`, if any (tests, audits).
  std::optional<Entry> Lookup(const std::string& path) const;
  size_t size() const;
  // Bytes read to hash since construction (tests assert 0 on a no-op pull).
  uint64_t bytes_hashed() const { return bytes_hashed_.load(); }
  const std::string& load_warning() const { return load_warning_; }
  const std::string& path() const { return path_; }

 private:
  static bool Matches(const Entry& e, const FileInfo& info);
  // recorded_ns - mtime_ns < kRacyWindowNs, computed without signed overflow: both come from
  // digests.json, which may hold any int64 (fuzz/digest_cache_fuzzer.cc found the overflow).
  static bool Racy(const Entry& e) {
    return e.recorded_ns < e.mtime_ns ||
           static_cast<uint64_t>(e.recorded_ns) - static_cast<uint64_t>(e.mtime_ns) <
               static_cast<uint64_t>(kRacyWindowNs);
  }
  // Paths of entries equal to `path` or under `path`/ (mu_ held).
  std::vector<std::string> KeysUnderLocked(const std::string& path) const;
  Entry MakeEntry(const FileInfo& info, std::string md5);

  Env* const env_;
  const std::string path_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;  // guarded by mu_
  bool dirty_ = false;                    // guarded by mu_
  std::string load_warning_;
  std::atomic<uint64_t> bytes_hashed_{0};
};

}  // namespace ferry

#endif  // FERRY_STORE_DIGEST_CACHE_H_
