#include "serve/change_watch.h"

#include <sys/inotify.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstddef>

namespace ferry::serve {
namespace {

// Everything that can change what lstat reports for an entry of the directory, or the
// directory itself.
constexpr uint32_t kEvents = IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE |
                             IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF |
                             IN_ONLYDIR;

// Filesystems whose changes may come from another host or a user-space daemon, where a local
// inotify watch would stay silent (magic numbers from linux/magic.h and the filesystems).
bool RemoteFilesystem(const std::string& dir) {
  struct statfs fs {};
  if (::statfs(dir.c_str(), &fs) != 0) return true;  // unknown: do not trust a watch
  switch (static_cast<uint64_t>(fs.f_type)) {
    case 0x6969:      // NFS
    case 0x517B:      // SMB
    case 0xFF534D42:  // CIFS
    case 0xFE534D42:  // SMB2
    case 0x65735546:  // FUSE (sshfs, rclone mount, ...)
    case 0x01021997:  // 9P
    case 0x00C36400:  // Ceph
    case 0x5346414F:  // AFS
    case 0x73757245:  // Coda
    case 0x47504653:  // GPFS
    case 0x0BD00BD0:  // Lustre
      return true;
    default:
      return false;
  }
}

}  // namespace

ChangeWatch::ChangeWatch(Env* clock, int64_t max_trust_ns)
    : clock_(clock),
      max_trust_ns_(max_trust_ns),
      fd_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)),
      epoch_started_ns_(clock->NowMonotonicNanos()) {}

ChangeWatch::~ChangeWatch() {
  if (fd_ >= 0) ::close(fd_);
}

bool ChangeWatch::Watch(const std::string& dir) {
  std::lock_guard<std::mutex> lock(mu_);
  if (fd_ < 0) return false;
  if (wd_by_dir_.count(dir)) return true;
  if (RemoteFilesystem(dir)) return false;
  const int wd = ::inotify_add_watch(fd_, dir.c_str(), kEvents);
  if (wd < 0) return false;
  // The same directory under another name (a symlinked root) shares the descriptor.
  auto [it, inserted] = dir_by_wd_.emplace(wd, dir);
  if (!inserted) wd_by_dir_.erase(it->second);
  it->second = dir;
  wd_by_dir_[dir] = wd;
  return true;
}

bool ChangeWatch::Watching(const std::string& dir) {
  std::lock_guard<std::mutex> lock(mu_);
  DrainLocked();  // a lost watch must show before the caller trusts it
  return wd_by_dir_.count(dir) > 0;
}

uint64_t ChangeWatch::Epoch() {
  std::lock_guard<std::mutex> lock(mu_);
  DrainLocked();
  return epoch_;
}

void ChangeWatch::DrainLocked() {
  if (fd_ < 0) return;
  alignas(struct inotify_event) std::array<char, 16384> buf;
  bool any = false;
  while (true) {
    const ssize_t n = ::read(fd_, buf.data(), buf.size());
    if (n <= 0) break;  // EAGAIN: the queue is empty
    any = true;
    for (size_t off = 0; off < static_cast<size_t>(n);) {
      const auto* e = reinterpret_cast<const struct inotify_event*>(buf.data() + off);
      // The directory went away, was unmounted, or moved (its path now names something
      // else): forget it, so its files are checked by lstat until it is watched again.
      if (e->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
        auto it = dir_by_wd_.find(e->wd);
        if (it != dir_by_wd_.end()) {
          wd_by_dir_.erase(it->second);
          dir_by_wd_.erase(it);
          if (!(e->mask & IN_IGNORED)) ::inotify_rm_watch(fd_, e->wd);
        }
      }
      off += sizeof(struct inotify_event) + e->len;
    }
  }
  const int64_t now = clock_->NowMonotonicNanos();
  if (any || now - epoch_started_ns_ >= max_trust_ns_) {
    ++epoch_;
    epoch_started_ns_ = now;
  }
}

}  // namespace ferry::serve
