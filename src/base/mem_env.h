// MemEnv: an in-memory Env for fast logic tests; never touches the disk.
//
// It models what ferry's engines rely on from POSIX, with the same error codes and the same
// "<op> <path>: <strerror>" messages as PosixEnv:
// - a tree of directories, regular files and symlinks; relative paths are taken from "/";
//   "." and ".." are resolved; symlinks are followed where POSIX follows them (Stat, open,
//   intermediate components; up to 40 hops, then "Too many levels of symbolic links");
// - hardlinks share one inode (link_count counts names); inode numbers are unique per env;
// - permission bits as a non-root owner sees them: a file without 0200 cannot be opened for
//   writing or truncated, without 0400 cannot be read; a directory needs 0100 to be
//   traversed, 0400 to be listed and 0200 (+0100) to create, remove or rename entries in it.
//   The umask is not applied: a file gets exactly the mode it was created with;
// - mtime/ctime come from a manual clock starting at 2026-01-01T00:00:00Z, advanced only by
//   AdvanceClock and SleepForMicros (which advances it instead of sleeping);
// - Reflink is an independent copy; LockFile is an in-process lock per inode (a second
//   LockFile on the same file is kBusy naming the holder; wait=true blocks on a condition
//   variable until the holder's FileLock is destroyed).
// - FreeSpace reports a number the test sets (SetFreeSpace; kDefaultFreeSpace until then) for
//   any existing path; writes do not consume it and are never refused for space (a full disk
//   mid-write is FaultInjectionEnv's job).
// Writes are visible to readers immediately. Durability is modelled as a power cut would see
// it (leveldb's FaultInjectionTestEnv): a file's bytes are durable as of its last
// WritableFile::Sync, a directory's entries (created, renamed in or out, removed, linked) as of
// its last SyncDir; a symlink's target is durable with its entry. SimulateCrash(kLoseUnsynced)
// turns the tree into that durable image: unsynced appends vanish, a file created since its
// directory's last sync vanishes, a rename whose directories were not synced comes back under
// its old name. Modes and times are not rolled back (nothing in ferry depends on their
// durability). MarkAllDurable makes the present durable (a test's setup; the kernel's
// writeback between two runs).
//
// Thread-safety: all state sits behind one mutex, so every method may be called from any
// thread. Files and locks keep the state alive, so they may outlive the MemEnv object.
#ifndef FERRY_BASE_MEM_ENV_H_
#define FERRY_BASE_MEM_ENV_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ferry/env.h"

namespace ferry {

class MemEnv : public Env {
 public:
  // 2026-01-01T00:00:00Z in nanoseconds since the Unix epoch: where the clock starts.
  static constexpr int64_t kClockStartUnixNanos = 1767225600LL * 1000000000LL;

  MemEnv();
  ~MemEnv() override;

  // What FreeSpace reports until SetFreeSpace: 1 PiB, more than any test downloads.
  static constexpr uint64_t kDefaultFreeSpace = uint64_t{1} << 50;

  // Moves both clocks forward by `nanos` (>= 0).
  void AdvanceClock(int64_t nanos);
  // What FreeSpace reports from now on, for every path.
  void SetFreeSpace(uint64_t bytes);

  // What a simulated crash leaves behind.
  enum class CrashOutcome {
    kKernelKeptEverything,  // every write, rename and removal had reached the disk
    kLoseUnsynced,          // only what was synced survives (see the header comment)
  };
  // Everything as it is now becomes durable, as if synced.
  void MarkAllDurable();
  // Leaves the tree as `outcome` says a crash at this moment would. Open files and held locks
  // of the "dead" process must not be used afterwards.
  void SimulateCrash(CrashOutcome outcome);

  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) override;
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                        uint32_t mode = 0644) override;
  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path,
                                                          uint32_t mode = 0644) override;
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override;
  Result<std::string> RealPath(const std::string& path) override;
  Result<FileInfo> Stat(const std::string& path) override;
  Result<FileInfo> LinkStat(const std::string& path) override;
  Status Chmod(const std::string& path, uint32_t mode) override;
  Status Truncate(const std::string& path, uint64_t size) override;
  Status SetModificationTime(const std::string& path, int64_t mtime_ns) override;
  Result<uint64_t> FreeSpace(const std::string& path) override;
  Status RemoveFile(const std::string& path) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status CreateDir(const std::string& path, uint32_t mode = 0755) override;
  Status RemoveDir(const std::string& path) override;
  Result<std::vector<DirEntry>> ListDir(const std::string& path) override;
  Status SyncDir(const std::string& path) override;
  Status Symlink(const std::string& target, const std::string& link_path) override;
  Result<std::string> ReadLink(const std::string& path) override;
  Status HardLink(const std::string& existing, const std::string& new_path) override;
  Status Reflink(const std::string& src, const std::string& dst) override;
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path, const std::string& holder,
                                             bool wait) override;
  int64_t NowUnixNanos() override;
  int64_t NowMonotonicNanos() override;
  void SleepForMicros(int64_t micros) override;

  struct State;  // defined in mem_env.cc; shared with open files and held locks

 private:
  std::shared_ptr<State> state_;
};

}  // namespace ferry

#endif  // FERRY_BASE_MEM_ENV_H_
