#include "sync/dir_listing.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>

#include "base/path.h"

namespace ferry::sync {
namespace {

// Through the Env: ListDir, then LinkStat of each entry's full path.
Result<std::vector<DirEntryWithInfo>> ListThroughEnv(Env* env, const std::string& dir) {
  FERRY_ASSIGN_OR_RETURN(std::vector<DirEntry> names, env->ListDir(dir));
  std::vector<DirEntryWithInfo> out;
  out.reserve(names.size());
  for (DirEntry& d : names) {
    Result<FileInfo> info = env->LinkStat(JoinPath(dir, d.name));
    if (!info.ok()) {
      if (info.status().IsNotFound()) continue;  // removed since the listing
      return info.status();
    }
    out.push_back(DirEntryWithInfo{std::move(d.name), *info});
  }
  return out;
}

FileType TypeOf(mode_t mode) {
  if (S_ISREG(mode)) return FileType::kRegular;
  if (S_ISDIR(mode)) return FileType::kDirectory;
  if (S_ISLNK(mode)) return FileType::kSymlink;
  return FileType::kOther;
}

int64_t Nanos(const struct timespec& ts) {
  return static_cast<int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

// What PosixEnv::LinkStat would say, from a stat taken relative to the directory.
FileInfo InfoOf(const struct stat& st) {
  FileInfo info;
  info.type = TypeOf(st.st_mode);
  info.size = static_cast<uint64_t>(st.st_size);
  info.mode = static_cast<uint32_t>(st.st_mode & 07777);
  info.device = static_cast<uint64_t>(st.st_dev);
  info.inode = static_cast<uint64_t>(st.st_ino);
  info.link_count = static_cast<uint64_t>(st.st_nlink);
  info.mtime_ns = Nanos(st.st_mtim);
  info.ctime_ns = Nanos(st.st_ctim);
  return info;
}

// The fast path on the real filesystem: readdir + fstatat relative to the open directory.
// nullopt on any error but a vanished entry; the caller then takes the Env's path, which
// reports the error in the Env's words (operation, path, errno's code).
std::optional<std::vector<DirEntryWithInfo>> ListRelativeToDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  DIR* d = ::fdopendir(fd);
  if (d == nullptr) {
    ::close(fd);
    return std::nullopt;
  }
  std::vector<DirEntryWithInfo> out;
  bool failed = false;
  while (true) {
    errno = 0;
    struct dirent* de = ::readdir(d);
    if (de == nullptr) {
      failed = errno != 0;
      break;
    }
    std::string_view name(de->d_name);
    if (name == "." || name == "..") continue;
    struct stat st;
    if (::fstatat(::dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;  // removed between readdir and fstatat
      failed = true;
      break;
    }
    out.push_back(DirEntryWithInfo{std::string(name), InfoOf(st)});
  }
  ::closedir(d);
  if (failed) return std::nullopt;
  std::sort(out.begin(), out.end(),
            [](const DirEntryWithInfo& x, const DirEntryWithInfo& y) { return x.name < y.name; });
  return out;
}

}  // namespace

Result<std::vector<DirEntryWithInfo>> ListDirWithInfo(Env* env, const std::string& dir) {
  if (env == Env::Default()) {
    if (std::optional<std::vector<DirEntryWithInfo>> fast = ListRelativeToDir(dir)) {
      return std::move(*fast);
    }
  }
  return ListThroughEnv(env, dir);
}

}  // namespace ferry::sync
