#include "serve/md5_index.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "base/hasher.h"
#include "base/path.h"
#include "base/thread_pool.h"

namespace ferry::serve {
namespace {

int64_t MtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

int64_t WallNowNs() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

Status ErrnoStatus(const std::string& op, const std::string& path, int err) {
  std::string msg = op + " " + path + ": " + std::strerror(err);
  if (err == ENOENT || err == ENOTDIR) return Status::NotFound(msg);
  if (err == ELOOP) return Status::PermissionDenied(op + " " + path + ": is a symlink; refused");
  if (err == EACCES || err == EPERM) return Status::PermissionDenied(msg);
  return Status::IoError(msg);
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

bool SameVersion(const struct stat& st, const FileVersion& v) {
  return static_cast<uint64_t>(st.st_dev) == v.device &&
         static_cast<uint64_t>(st.st_ino) == v.inode &&
         static_cast<uint64_t>(st.st_size) == v.size && MtimeNs(st) == v.mtime_ns;
}

bool FileDigests::StillCurrent(const std::string& path, const FileVersion& v) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && SameVersion(st, v);
}

std::shared_ptr<std::mutex> Md5Index::PathLock(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  std::shared_ptr<std::mutex>& m = path_locks_[path];
  if (!m) m = std::make_shared<std::mutex>();
  return m;
}

bool FileDigests::Watched(const std::string& /*path*/) { return false; }

bool Md5Index::Watched(const std::string& path) { return watch_.Watching(DirName(path)); }

Result<FileVersion> Md5Index::Current(const std::string& path) {
  watch_.Watch(DirName(path));  // false (not watchable) only means callers keep using lstat
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return ErrnoStatus("stat", path, errno);
  if (!S_ISREG(st.st_mode)) {
    return Status::PermissionDenied("serve " + path + ": not a regular file; refused");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(path);
    if (it != entries_.end() && !it->second.racy && SameVersion(st, it->second.version)) {
      return it->second.version;
    }
  }
  // One hasher per path at a time; whoever waited re-checks the cache first.
  std::shared_ptr<std::mutex> path_lock = PathLock(path);
  std::lock_guard<std::mutex> hashing(*path_lock);
  if (::lstat(path.c_str(), &st) != 0) return ErrnoStatus("stat", path, errno);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(path);
    if (it != entries_.end() && !it->second.racy && SameVersion(st, it->second.version)) {
      return it->second.version;
    }
  }
  return HashNow(path);
}

Result<FileVersion> Md5Index::HashNow(const std::string& path) {
  constexpr int kAttempts = 3;
  std::string buffer(kHashBufferSize, '\0');
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (fd.get() < 0) return ErrnoStatus("open", path, errno);
    struct stat before;
    if (::fstat(fd.get(), &before) != 0) return ErrnoStatus("stat", path, errno);
    if (!S_ISREG(before.st_mode)) {
      return Status::PermissionDenied("serve " + path + ": not a regular file; refused");
    }
    const int64_t started_ns = WallNowNs();
    Hasher md5(HashAlgorithm::kMd5);
    bool read_failed = false;
    for (;;) {
      ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        read_failed = true;
        break;
      }
      if (n == 0) break;
      md5.Update(std::string_view(buffer.data(), static_cast<size_t>(n)));
    }
    if (read_failed) return ErrnoStatus("read", path, errno);
    struct stat after;
    if (::fstat(fd.get(), &after) != 0) return ErrnoStatus("stat", path, errno);
    hashes_computed_.fetch_add(1);
    FileVersion v;
    v.device = static_cast<uint64_t>(before.st_dev);
    v.inode = static_cast<uint64_t>(before.st_ino);
    v.size = static_cast<uint64_t>(before.st_size);
    v.mtime_ns = MtimeNs(before);
    if (!SameVersion(after, v)) continue;  // written while we read: the digest is of nothing
    v.md5 = md5.FinishHex();
    std::lock_guard<std::mutex> lock(mu_);
    Entry& e = entries_[path];
    e.version = v;
    e.racy = started_ns - v.mtime_ns < kRacyWindowNs;
    return v;
  }
  return Status::Unavailable("serve " + path + ": the file kept changing while it was hashed; "
                             "try again when it is stable");
}

void Md5Index::Warm(const std::vector<std::string>& paths, size_t threads) {
  ThreadPool pool(threads);
  for (const std::string& path : paths) {
    pool.Schedule([this, path] {
      IgnoreError(Current(path).status(), "Warm only pre-computes; Current() reports errors");
    });
  }
  pool.Wait();
}

}  // namespace ferry::serve
