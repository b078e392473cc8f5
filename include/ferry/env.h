// Env: the seam between ferry's engines and the operating system (files, directories, links,
// locks, clock). Engines receive an Env* and never call POSIX directly, so the same engine
// code runs on the real disk (PosixEnv), in memory (NewMemEnv, for fast logic tests) and
// under a fault injector (FaultInjectionEnv, for crash tests).
//
// Contract shared by every implementation:
// - Paths are absolute or relative to the process's working directory, '/'-separated.
// - Errors are translated once, in the implementation, into a Status whose message names the
//   operation and the path ("open /ws/data/x.parquet: No space left on device"). errno maps:
//   ENOENT -> kNotFound, EEXIST -> kAlreadyExists, ENOSPC/EDQUOT -> kNoSpace,
//   EACCES/EPERM -> kPermissionDenied, EXDEV/ENOTSUP/EOPNOTSUPP/ENOSYS/EINVAL(on clone) ->
//   kNotSupported, EMLINK -> kTooManyLinks, EWOULDBLOCK on a lock -> kBusy, else kIoError.
// - Status::sys_errno is not exposed; the code is the contract.
// - Nothing follows a symlink unless it says so (Stat follows, LinkStat does not).
//
// Composite operations (atomic replace, copy, recursive mkdir, read whole file) are free
// functions in src/base/file_util.h built on these virtuals, so that a fault injector
// overriding one virtual sees every use of it.
//
// Thread-safety: every Env method may be called concurrently from many threads. A
// WritableFile / SequentialFile is used by one thread at a time; a RandomAccessFile by many
// (ReadAt has no position).
#ifndef FERRY_ENV_H_
#define FERRY_ENV_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/status.h"

namespace ferry {

enum class FileType { kRegular, kDirectory, kSymlink, kOther };

struct FileInfo {
  FileType type = FileType::kOther;
  uint64_t size = 0;
  uint32_t mode = 0;  // permission bits only (e.g. 0444)
  uint64_t device = 0;
  uint64_t inode = 0;
  uint64_t link_count = 0;
  int64_t mtime_ns = 0;  // nanoseconds since the Unix epoch
  int64_t ctime_ns = 0;

  bool is_regular() const { return type == FileType::kRegular; }
  bool is_directory() const { return type == FileType::kDirectory; }
  bool is_symlink() const { return type == FileType::kSymlink; }
};

struct DirEntry {
  std::string name;                  // a single segment, never "." or ".."
  FileType type = FileType::kOther;  // as lstat sees it (a symlink is kSymlink)
};

// A file opened for reading from the start to the end.
class SequentialFile {
 public:
  SequentialFile() = default;
  SequentialFile(const SequentialFile&) = delete;
  SequentialFile& operator=(const SequentialFile&) = delete;
  virtual ~SequentialFile() = default;

  // Reads up to n bytes into buf; returns how many were read, 0 at end of file.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
  // Skips n bytes forward (used to resume a partial download's hash).
  virtual Status Skip(uint64_t n) = 0;
};

// A file opened for reading at any offset, any number of times (streaming byte ranges of a
// served file). The handle names the file, not its path: a file renamed over the path after
// the open keeps being read, and Stat() keeps describing the opened one (fstat), so a reader
// can tell whether the bytes it reads still belong to the version it checked.
class RandomAccessFile {
 public:
  RandomAccessFile() = default;
  RandomAccessFile(const RandomAccessFile&) = delete;
  RandomAccessFile& operator=(const RandomAccessFile&) = delete;
  virtual ~RandomAccessFile() = default;

  // Reads up to n bytes at `offset` into buf (pread); returns how many were read: fewer than n
  // near the end of the file, 0 at or past it.
  virtual Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) = 0;
  // The opened file's metadata as of now (fstat).
  virtual Result<FileInfo> Stat() = 0;
};

// A file opened for writing. Close() flushes; Sync() makes the written bytes durable.
// Destroying an unclosed file closes it and ignores errors: call Close() to see them.
class WritableFile {
 public:
  WritableFile() = default;
  WritableFile(const WritableFile&) = delete;
  WritableFile& operator=(const WritableFile&) = delete;
  virtual ~WritableFile() = default;

  virtual Status Append(std::string_view data) = 0;
  virtual Status Sync() = 0;  // fsync (fdatasync is not enough: size must be durable too)
  virtual Status Close() = 0;
};

// An advisory lock held until the object is destroyed; the kernel releases it if the process
// dies, so a crashed holder never leaves a stale lock behind.
class FileLock {
 public:
  FileLock() = default;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  virtual ~FileLock() = default;
};

class Env {
 public:
  Env() = default;
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;
  virtual ~Env() = default;

  // The process-wide POSIX Env. Never deleted.
  static Env* Default();

  // --- files ---
  virtual Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) = 0;
  // Creates or truncates. `mode` is applied at creation (before umask).
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                                uint32_t mode = 0644) = 0;
  // Opens for appending, creating it if missing (resuming a partial download).
  virtual Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path,
                                                                  uint32_t mode = 0644) = 0;
  // Opens for reading at any offset without following a symlink in the last segment
  // (O_NOFOLLOW): a symlink there is kPermissionDenied "open <path>: is a symlink; refused".
  // Intermediate segments are followed. The caller checks the type through Stat().
  virtual Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) = 0;

  // --- metadata ---
  virtual Result<FileInfo> Stat(const std::string& path) = 0;      // follows symlinks
  virtual Result<FileInfo> LinkStat(const std::string& path) = 0;  // does not
  virtual Status Chmod(const std::string& path, uint32_t mode) = 0;
  virtual Status Truncate(const std::string& path, uint64_t size) = 0;
  // Sets the modification time (follows symlinks; access time untouched). ctime becomes now,
  // as for any metadata change. Used to stamp a verified file with a time in the past so its
  // digest-cache entry is trustworthy at once (see src/store/digest_cache.h).
  virtual Status SetModificationTime(const std::string& path, int64_t mtime_ns) = 0;
  // Bytes an unprivileged writer may still add to the filesystem holding `path` (statvfs:
  // f_bavail * f_frsize). `path` must exist. A download checks it before it starts, so a full
  // disk is reported up front instead of failing halfway with ENOSPC.
  virtual Result<uint64_t> FreeSpace(const std::string& path) = 0;

  // The canonical absolute path of an existing `path` (realpath: every symlink resolved, no
  // "." or ".." or repeated '/'). kNotFound when it or one of its components is missing.
  virtual Result<std::string> RealPath(const std::string& path) = 0;

  // --- names ---
  virtual Status RemoveFile(const std::string& path) = 0;  // unlink; also removes a symlink
  virtual Status Rename(const std::string& from, const std::string& to) = 0;  // atomic replace

  // --- directories ---
  virtual Status CreateDir(const std::string& path, uint32_t mode = 0755) = 0;  // one level
  virtual Status RemoveDir(const std::string& path) = 0;                        // must be empty
  // Entries sorted by name, without "." and "..".
  virtual Result<std::vector<DirEntry>> ListDir(const std::string& path) = 0;
  // Makes the directory's entries (creates, renames, unlinks) durable.
  virtual Status SyncDir(const std::string& path) = 0;

  // --- links ---
  virtual Status Symlink(const std::string& target, const std::string& link_path) = 0;
  virtual Result<std::string> ReadLink(const std::string& path) = 0;
  virtual Status HardLink(const std::string& existing, const std::string& new_path) = 0;
  // A copy-on-write clone (FICLONE). kNotSupported where the filesystem cannot.
  // `dst` must not exist.
  virtual Status Reflink(const std::string& src, const std::string& dst) = 0;

  // --- locks ---
  // Takes an exclusive advisory lock on `path` (created if missing) and writes `holder`
  // (e.g. "pid 4242 (ferry pull)") into it. If another process holds it: with wait=false,
  // kBusy whose message includes the holder's text; with wait=true, blocks until free.
  virtual Result<std::unique_ptr<FileLock>> LockFile(const std::string& path,
                                                     const std::string& holder, bool wait) = 0;

  // --- clock ---
  virtual int64_t NowUnixNanos() = 0;  // wall clock
  virtual int64_t NowMonotonicNanos() = 0;
  virtual void SleepForMicros(int64_t micros) = 0;
};

// An Env that forwards every call to another; override only what you need (fault injection,
// counting). The target must outlive the wrapper.
class EnvWrapper : public Env {
 public:
  explicit EnvWrapper(Env* target) : target_(target) {}
  Env* target() const { return target_; }

  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& p) override {
    return target_->NewSequentialFile(p);
  }
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& p,
                                                        uint32_t mode) override {
    return target_->NewWritableFile(p, mode);
  }
  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& p,
                                                          uint32_t mode) override {
    return target_->NewAppendableFile(p, mode);
  }
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& p) override {
    return target_->NewRandomAccessFile(p);
  }
  Result<FileInfo> Stat(const std::string& p) override { return target_->Stat(p); }
  Result<FileInfo> LinkStat(const std::string& p) override { return target_->LinkStat(p); }
  Status Chmod(const std::string& p, uint32_t mode) override { return target_->Chmod(p, mode); }
  Status Truncate(const std::string& p, uint64_t size) override {
    return target_->Truncate(p, size);
  }
  Status SetModificationTime(const std::string& p, int64_t mtime_ns) override {
    return target_->SetModificationTime(p, mtime_ns);
  }
  Result<uint64_t> FreeSpace(const std::string& p) override { return target_->FreeSpace(p); }
  Result<std::string> RealPath(const std::string& p) override { return target_->RealPath(p); }
  Status RemoveFile(const std::string& p) override { return target_->RemoveFile(p); }
  Status Rename(const std::string& f, const std::string& t) override {
    return target_->Rename(f, t);
  }
  Status CreateDir(const std::string& p, uint32_t mode) override {
    return target_->CreateDir(p, mode);
  }
  Status RemoveDir(const std::string& p) override { return target_->RemoveDir(p); }
  Result<std::vector<DirEntry>> ListDir(const std::string& p) override {
    return target_->ListDir(p);
  }
  Status SyncDir(const std::string& p) override { return target_->SyncDir(p); }
  Status Symlink(const std::string& t, const std::string& l) override {
    return target_->Symlink(t, l);
  }
  Result<std::string> ReadLink(const std::string& p) override { return target_->ReadLink(p); }
  Status HardLink(const std::string& e, const std::string& n) override {
    return target_->HardLink(e, n);
  }
  Status Reflink(const std::string& s, const std::string& d) override {
    return target_->Reflink(s, d);
  }
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& p, const std::string& holder,
                                             bool wait) override {
    return target_->LockFile(p, holder, wait);
  }
  int64_t NowUnixNanos() override { return target_->NowUnixNanos(); }
  int64_t NowMonotonicNanos() override { return target_->NowMonotonicNanos(); }
  void SleepForMicros(int64_t micros) override { target_->SleepForMicros(micros); }

 private:
  Env* target_;
};

// A fresh in-memory filesystem with a manual clock (starts at 2026-01-01T00:00:00Z; advanced
// by SleepForMicros and by the caller through the returned object's interface in
// src/base/mem_env.h). For logic tests; never touches the disk.
std::unique_ptr<Env> NewMemEnv();

}  // namespace ferry

#endif  // FERRY_ENV_H_
