// PosixEnv: the Env of include/ferry/env.h on the real disk.
//
// errno is translated exactly once, here, by PosixError(): the Status message is
// "<op> <path>: <strerror>" and the code follows the table in env.h. Every descriptor is
// opened with O_CLOEXEC so that child processes (rsync, ssh, the test's forked children)
// never inherit a lock or a half-written file.
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>  // FICLONE
#include <stdlib.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ferry/env.h"

namespace ferry {
namespace {

constexpr size_t kWritableBufferSize = 64 * 1024;

StatusCode CodeForErrno(int err) {
  switch (err) {
    case ENOENT:
      return StatusCode::kNotFound;
    case EEXIST:
      return StatusCode::kAlreadyExists;
    case ENOSPC:
    case EDQUOT:
      return StatusCode::kNoSpace;
    case EACCES:
    case EPERM:
    case EROFS:
      return StatusCode::kPermissionDenied;
    case EXDEV:
    case EOPNOTSUPP:
#if defined(ENOTSUP) && ENOTSUP != EOPNOTSUPP
    case ENOTSUP:
#endif
    case ENOSYS:
      return StatusCode::kNotSupported;
    case EMLINK:
      return StatusCode::kTooManyLinks;
    default:
      return StatusCode::kIoError;
  }
}

std::string ErrnoText(int err) {
  char buf[256];
  // GNU strerror_r returns the message (possibly not in buf).
  return std::string(strerror_r(err, buf, sizeof(buf)));
}

Status PosixError(std::string_view op, std::string_view path, int err) {
  std::string msg;
  msg.reserve(op.size() + path.size() + 48);
  msg.append(op).append(" ").append(path).append(": ").append(ErrnoText(err));
  return Status(CodeForErrno(err), std::move(msg));
}

std::string TwoPaths(std::string_view a, std::string_view b) {
  std::string s(a);
  s.append(" -> ").append(b);
  return s;
}

int64_t TimespecNanos(const struct timespec& ts) {
  return static_cast<int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

FileType TypeFromMode(mode_t mode) {
  if (S_ISREG(mode)) return FileType::kRegular;
  if (S_ISDIR(mode)) return FileType::kDirectory;
  if (S_ISLNK(mode)) return FileType::kSymlink;
  return FileType::kOther;
}

FileInfo InfoFromStat(const struct stat& st) {
  FileInfo info;
  info.type = TypeFromMode(st.st_mode);
  info.size = static_cast<uint64_t>(st.st_size);
  info.mode = static_cast<uint32_t>(st.st_mode & 07777);
  info.device = static_cast<uint64_t>(st.st_dev);
  info.inode = static_cast<uint64_t>(st.st_ino);
  info.link_count = static_cast<uint64_t>(st.st_nlink);
  info.mtime_ns = TimespecNanos(st.st_mtim);
  info.ctime_ns = TimespecNanos(st.st_ctim);
  return info;
}

// Closes fd, retrying nothing: on Linux the descriptor is released even when close fails
// with EINTR, so a retry could close a descriptor another thread just opened.
int CloseFd(int fd) { return ::close(fd); }

// Writes all of data, handling short writes and EINTR.
Status WriteAll(int fd, const char* data, size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return PosixError("write", path, errno);
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
  return Status::OK();
}

class PosixSequentialFile final : public SequentialFile {
 public:
  PosixSequentialFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixSequentialFile() override { CloseFd(fd_); }

  Result<size_t> Read(char* buf, size_t n) override {
    while (true) {
      ssize_t r = ::read(fd_, buf, n);
      if (r >= 0) return static_cast<size_t>(r);
      if (errno == EINTR) continue;
      return PosixError("read", path_, errno);
    }
  }

  Status Skip(uint64_t n) override {
    if (::lseek(fd_, static_cast<off_t>(n), SEEK_CUR) < 0) {
      return PosixError("seek", path_, errno);
    }
    return Status::OK();
  }

 private:
  const std::string path_;
  const int fd_;
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixRandomAccessFile() override { CloseFd(fd_); }

  Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) override {
    while (true) {
      ssize_t r = ::pread(fd_, buf, n, static_cast<off_t>(offset));
      if (r >= 0) return static_cast<size_t>(r);
      if (errno == EINTR) continue;
      return PosixError("read", path_, errno);
    }
  }

  Result<FileInfo> Stat() override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return PosixError("stat", path_, errno);
    return InfoFromStat(st);
  }

 private:
  const std::string path_;
  const int fd_;
};

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {
    buffer_.reserve(kWritableBufferSize);
  }
  ~PosixWritableFile() override {
    if (fd_ >= 0) IgnoreError(Close(), "destroying an unclosed file; callers use Close()");
  }

  Status Append(std::string_view data) override {
    if (fd_ < 0) return Status::IoError("write " + path_ + ": file is already closed");
    if (buffer_.size() + data.size() <= kWritableBufferSize) {
      buffer_.append(data);
      return Status::OK();
    }
    FERRY_RETURN_IF_ERROR(Flush());
    // Large appends go straight to the kernel instead of through the buffer.
    if (data.size() >= kWritableBufferSize) return WriteAll(fd_, data.data(), data.size(), path_);
    buffer_.append(data);
    return Status::OK();
  }

  Status Sync() override {
    if (fd_ < 0) return Status::IoError("fsync " + path_ + ": file is already closed");
    FERRY_RETURN_IF_ERROR(Flush());
    if (::fsync(fd_) != 0) return PosixError("fsync", path_, errno);
    return Status::OK();
  }

  Status Close() override {
    if (fd_ < 0) return Status::OK();
    Status s = Flush();
    if (CloseFd(fd_) != 0 && s.ok()) s = PosixError("close", path_, errno);
    fd_ = -1;
    return s;
  }

 private:
  Status Flush() {
    if (buffer_.empty()) return Status::OK();
    Status s = WriteAll(fd_, buffer_.data(), buffer_.size(), path_);
    buffer_.clear();
    return s;
  }

  const std::string path_;
  int fd_;
  std::string buffer_;
};

class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(int fd) : fd_(fd) {}
  ~PosixFileLock() override {
    // Clear the holder text while still holding the lock, so a stale name never outlives
    // its holder; closing the descriptor releases the flock.
    if (::ftruncate(fd_, 0) != 0) {
      // Nothing to do: the lock is released below either way, and the text is advisory.
    }
    CloseFd(fd_);
  }

 private:
  const int fd_;
};

std::string ReadHolderText(int fd) {
  std::string text;
  char buf[512];
  off_t off = 0;
  while (text.size() < 4096) {
    ssize_t r = ::pread(fd, buf, sizeof(buf), off);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    text.append(buf, static_cast<size_t>(r));
    off += r;
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r')) {
    text.pop_back();
  }
  return text;
}

class PosixEnv final : public Env {
 public:
  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) override {
    int fd = OpenRetry(path.c_str(), O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0) return PosixError("open", path, errno);
    struct stat st;
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      CloseFd(fd);
      return PosixError("open", path, EISDIR);
    }
    // Only a hint: the kernel reads further ahead for a whole-file scan (hashing, copy).
    (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    return std::unique_ptr<SequentialFile>(new PosixSequentialFile(path, fd));
  }

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                        uint32_t mode) override {
    int fd = OpenRetry(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) return PosixError("open", path, errno);
    return std::unique_ptr<WritableFile>(new PosixWritableFile(path, fd));
  }

  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path,
                                                          uint32_t mode) override {
    int fd = OpenRetry(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, mode);
    if (fd < 0) return PosixError("open", path, errno);
    return std::unique_ptr<WritableFile>(new PosixWritableFile(path, fd));
  }

  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override {
    int fd = OpenRetry(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd < 0) {
      if (errno == ELOOP) {
        return Status::PermissionDenied("open " + path + ": is a symlink; refused");
      }
      return PosixError("open", path, errno);
    }
    return std::unique_ptr<RandomAccessFile>(new PosixRandomAccessFile(path, fd));
  }

  Result<std::string> RealPath(const std::string& path) override {
    char buf[PATH_MAX];
    if (::realpath(path.c_str(), buf) == nullptr) return PosixError("realpath", path, errno);
    return std::string(buf);
  }

  Result<FileInfo> Stat(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return PosixError("stat", path, errno);
    return InfoFromStat(st);
  }

  Result<FileInfo> LinkStat(const std::string& path) override {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) return PosixError("lstat", path, errno);
    return InfoFromStat(st);
  }

  Status Chmod(const std::string& path, uint32_t mode) override {
    if (::chmod(path.c_str(), static_cast<mode_t>(mode)) != 0) {
      return PosixError("chmod", path, errno);
    }
    return Status::OK();
  }

  Status Truncate(const std::string& path, uint64_t size) override {
    while (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) {
      if (errno == EINTR) continue;
      return PosixError("truncate", path, errno);
    }
    return Status::OK();
  }

  Status SetModificationTime(const std::string& path, int64_t mtime_ns) override {
    struct timespec times[2];
    times[0].tv_sec = 0;
    times[0].tv_nsec = UTIME_OMIT;  // leave atime alone
    times[1].tv_sec = static_cast<time_t>(mtime_ns / 1'000'000'000);
    times[1].tv_nsec = static_cast<long>(mtime_ns % 1'000'000'000);
    if (times[1].tv_nsec < 0) {
      times[1].tv_nsec += 1'000'000'000;
      times[1].tv_sec -= 1;
    }
    if (::utimensat(AT_FDCWD, path.c_str(), times, 0) != 0) {
      return PosixError("utimensat", path, errno);
    }
    return Status::OK();
  }

  Result<uint64_t> FreeSpace(const std::string& path) override {
    struct statvfs vfs;
    while (::statvfs(path.c_str(), &vfs) != 0) {
      if (errno == EINTR) continue;
      return PosixError("statvfs", path, errno);
    }
    // f_bavail, not f_bfree: the blocks reserved for root are not ours to fill.
    return static_cast<uint64_t>(vfs.f_bavail) * static_cast<uint64_t>(vfs.f_frsize);
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return PosixError("unlink", path, errno);
    return Status::OK();
  }

  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return PosixError("rename", TwoPaths(from, to), errno);
    }
    return Status::OK();
  }

  Status CreateDir(const std::string& path, uint32_t mode) override {
    if (::mkdir(path.c_str(), static_cast<mode_t>(mode)) != 0) {
      return PosixError("mkdir", path, errno);
    }
    return Status::OK();
  }

  Status RemoveDir(const std::string& path) override {
    if (::rmdir(path.c_str()) != 0) {
      // POSIX allows EEXIST for a non-empty directory; report it as what it means.
      int err = errno == EEXIST ? ENOTEMPTY : errno;
      return PosixError("rmdir", path, err);
    }
    return Status::OK();
  }

  Result<std::vector<DirEntry>> ListDir(const std::string& path) override {
    int fd = OpenRetry(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd < 0) return PosixError("opendir", path, errno);
    DIR* dir = ::fdopendir(fd);
    if (dir == nullptr) {
      int err = errno;
      CloseFd(fd);
      return PosixError("opendir", path, err);
    }
    std::vector<DirEntry> entries;
    while (true) {
      errno = 0;
      struct dirent* de = ::readdir(dir);
      if (de == nullptr) {
        if (errno != 0) {
          int err = errno;
          ::closedir(dir);
          return PosixError("readdir", path, err);
        }
        break;
      }
      std::string_view name(de->d_name);
      if (name == "." || name == "..") continue;
      DirEntry entry;
      entry.name = std::string(name);
      switch (de->d_type) {
        case DT_REG:
          entry.type = FileType::kRegular;
          break;
        case DT_DIR:
          entry.type = FileType::kDirectory;
          break;
        case DT_LNK:
          entry.type = FileType::kSymlink;
          break;
        case DT_UNKNOWN: {
          // Some filesystems (older XFS, some FUSE) do not fill d_type.
          struct stat st;
          if (::fstatat(::dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
            entry.type = TypeFromMode(st.st_mode);
          } else if (errno == ENOENT) {
            continue;  // removed between readdir and fstatat
          } else {
            int err = errno;
            ::closedir(dir);
            return PosixError("lstat", path + "/" + entry.name, err);
          }
          break;
        }
        default:
          entry.type = FileType::kOther;
          break;
      }
      entries.push_back(std::move(entry));
    }
    ::closedir(dir);
    std::sort(entries.begin(), entries.end(),
              [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
    return entries;
  }

  Status SyncDir(const std::string& path) override {
    int fd = OpenRetry(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd < 0) return PosixError("open", path, errno);
    Status s;
    if (::fsync(fd) != 0) s = PosixError("fsync", path, errno);
    CloseFd(fd);
    return s;
  }

  Status Symlink(const std::string& target, const std::string& link_path) override {
    if (::symlink(target.c_str(), link_path.c_str()) != 0) {
      return PosixError("symlink", TwoPaths(link_path, target), errno);
    }
    return Status::OK();
  }

  Result<std::string> ReadLink(const std::string& path) override {
    std::string buf(256, '\0');
    while (true) {
      ssize_t n = ::readlink(path.c_str(), buf.data(), buf.size());
      if (n < 0) return PosixError("readlink", path, errno);
      if (static_cast<size_t>(n) < buf.size()) {
        buf.resize(static_cast<size_t>(n));
        return buf;
      }
      buf.resize(buf.size() * 2);  // possibly truncated: retry with more room
    }
  }

  Status HardLink(const std::string& existing, const std::string& new_path) override {
    if (::link(existing.c_str(), new_path.c_str()) != 0) {
      return PosixError("link", TwoPaths(existing, new_path), errno);
    }
    return Status::OK();
  }

  Status Reflink(const std::string& src, const std::string& dst) override {
    int src_fd = OpenRetry(src.c_str(), O_RDONLY | O_CLOEXEC, 0);
    if (src_fd < 0) return PosixError("open", src, errno);
    struct stat st;
    if (::fstat(src_fd, &st) != 0) {
      int err = errno;
      CloseFd(src_fd);
      return PosixError("stat", src, err);
    }
    int dst_fd = OpenRetry(dst.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                           static_cast<uint32_t>(st.st_mode & 07777));
    if (dst_fd < 0) {
      int err = errno;
      CloseFd(src_fd);
      return PosixError("open", dst, err);
    }
    Status s;
    if (::ioctl(dst_fd, FICLONE, src_fd) != 0) {
      int err = errno;
      if (err == EOPNOTSUPP || err == EXDEV || err == EINVAL || err == ENOTTY || err == ENOSYS) {
        s = Status::NotSupported("reflink " + TwoPaths(src, dst) + ": " + ErrnoText(err) +
                                 " (the filesystem cannot clone)");
      } else {
        s = PosixError("reflink", TwoPaths(src, dst), err);
      }
    }
    if (CloseFd(dst_fd) != 0 && s.ok()) s = PosixError("close", dst, errno);
    CloseFd(src_fd);
    if (!s.ok()) {
      // dst was created by us a moment ago; leave no empty file behind.
      (void)::unlink(dst.c_str());
    }
    return s;
  }

  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path, const std::string& holder,
                                             bool wait) override {
    int fd = OpenRetry(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return PosixError("open", path, errno);
    int op = LOCK_EX | (wait ? 0 : LOCK_NB);
    while (::flock(fd, op) != 0) {
      if (errno == EINTR) continue;
      int err = errno;
      if (err == EWOULDBLOCK) {
        std::string text = ReadHolderText(fd);
        CloseFd(fd);
        if (text.empty()) text = "another process";
        return Status::Busy("lock " + path + " is held by " + text +
                            "; wait for it to finish or stop it");
      }
      CloseFd(fd);
      return PosixError("flock", path, err);
    }
    Status s;
    if (::ftruncate(fd, 0) != 0) {
      s = PosixError("truncate", path, errno);
    } else {
      std::string text = holder + "\n";
      size_t off = 0;
      while (off < text.size()) {
        ssize_t w = ::pwrite(fd, text.data() + off, text.size() - off, static_cast<off_t>(off));
        if (w < 0) {
          if (errno == EINTR) continue;
          s = PosixError("write", path, errno);
          break;
        }
        off += static_cast<size_t>(w);
      }
    }
    if (!s.ok()) {
      CloseFd(fd);
      return s;
    }
    return std::unique_ptr<FileLock>(new PosixFileLock(fd));
  }

  int64_t NowUnixNanos() override {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return TimespecNanos(ts);
  }

  int64_t NowMonotonicNanos() override {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return TimespecNanos(ts);
  }

  void SleepForMicros(int64_t micros) override {
    if (micros <= 0) return;
    struct timespec req;
    req.tv_sec = static_cast<time_t>(micros / 1000000);
    req.tv_nsec = static_cast<long>((micros % 1000000) * 1000);
    struct timespec rem;
    while (::nanosleep(&req, &rem) != 0 && errno == EINTR) req = rem;
  }

 private:
  static int OpenRetry(const char* path, int flags, uint32_t mode) {
    while (true) {
      int fd = ::open(path, flags, static_cast<mode_t>(mode));
      if (fd >= 0 || errno != EINTR) return fd;
    }
  }
};

}  // namespace

Env* Env::Default() {
  static Env* const env = new PosixEnv();  // never deleted: used until process exit
  return env;
}

}  // namespace ferry
