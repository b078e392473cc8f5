#include "serve/md5_index.h"

#include "base/hasher.h"
#include "base/path.h"
#include "base/thread_pool.h"

namespace ferry::serve {
namespace {

// Env reports a missing component as kNotFound already; a symlink where the file should be
// as kPermissionDenied (NewRandomAccessFile). Everything else keeps Env's code and message.
Status NotRegular(const std::string& path) {
  return Status::PermissionDenied("serve " + path + ": not a regular file; refused");
}

}  // namespace

bool SameVersion(const FileInfo& info, const FileVersion& v) {
  return info.device == v.device && info.inode == v.inode && info.size == v.size &&
         info.mtime_ns == v.mtime_ns;
}

bool FileDigests::StillCurrent(const std::string& path, const FileVersion& v) {
  Result<FileInfo> info = env_->LinkStat(path);
  return info.ok() && info->is_regular() && SameVersion(*info, v);
}

std::shared_ptr<std::mutex> Md5Index::PathLock(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  std::shared_ptr<std::mutex>& m = path_locks_[path];
  if (!m) m = std::make_shared<std::mutex>();
  return m;
}

bool FileDigests::Watched(const std::string& /*path*/) { return false; }

bool Md5Index::Watched(const std::string& path) {
  return watch_ != nullptr && watch_->Watching(DirName(path));
}

Result<FileVersion> Md5Index::Current(const std::string& path) {
  // False (not watchable) only means callers keep using lstat.
  if (watch_ != nullptr) watch_->Watch(DirName(path));
  Result<FileInfo> info = env()->LinkStat(path);
  if (!info.ok()) return info.status();
  if (!info->is_regular()) return NotRegular(path);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(path);
    if (it != entries_.end() && !it->second.racy && SameVersion(*info, it->second.version)) {
      return it->second.version;
    }
  }
  // One hasher per path at a time; whoever waited re-checks the cache first.
  std::shared_ptr<std::mutex> path_lock = PathLock(path);
  std::lock_guard<std::mutex> hashing(*path_lock);
  info = env()->LinkStat(path);
  if (!info.ok()) return info.status();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(path);
    if (it != entries_.end() && !it->second.racy && SameVersion(*info, it->second.version)) {
      return it->second.version;
    }
  }
  return HashNow(path);
}

Result<FileVersion> Md5Index::HashNow(const std::string& path) {
  constexpr int kAttempts = 3;
  std::string buffer(kHashBufferSize, '\0');
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    FERRY_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file,
                           env()->NewRandomAccessFile(path));
    FERRY_ASSIGN_OR_RETURN(FileInfo before, file->Stat());
    if (!before.is_regular()) return NotRegular(path);
    const int64_t started_ns = env()->NowUnixNanos();
    Hasher md5(HashAlgorithm::kMd5);
    for (uint64_t offset = 0;;) {
      FERRY_ASSIGN_OR_RETURN(size_t n, file->ReadAt(offset, buffer.data(), buffer.size()));
      if (n == 0) break;
      md5.Update(std::string_view(buffer.data(), n));
      offset += n;
    }
    FERRY_ASSIGN_OR_RETURN(FileInfo after, file->Stat());
    hashes_computed_.fetch_add(1);
    FileVersion v;
    v.device = before.device;
    v.inode = before.inode;
    v.size = before.size;
    v.mtime_ns = before.mtime_ns;
    if (!SameVersion(after, v)) continue;  // written while we read: the digest is of nothing
    v.md5 = md5.FinishHex();
    std::lock_guard<std::mutex> lock(mu_);
    Entry& e = entries_[path];
    e.version = v;
    e.racy = started_ns - v.mtime_ns < kRacyWindowNs;
    return v;
  }
  return Status::Unavailable("serve " + path +
                             ": the file kept changing while it was hashed; "
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
