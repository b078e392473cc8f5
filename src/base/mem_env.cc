#include "base/mem_env.h"

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string_view>
#include <thread>
#include <utility>

namespace ferry {
namespace {

constexpr int kMaxSymlinkHops = 40;  // Linux's MAXSYMLINKS

// The same errno -> code table and message format as PosixEnv, so tests written against
// MemEnv assert the messages users will see on a real disk.
StatusCode CodeForErrno(int err) {
  switch (err) {
    case ENOENT:
      return StatusCode::kNotFound;
    case EEXIST:
      return StatusCode::kAlreadyExists;
    case ENOSPC:
      return StatusCode::kNoSpace;
    case EACCES:
    case EPERM:
      return StatusCode::kPermissionDenied;
    case EXDEV:
      return StatusCode::kNotSupported;
    case EMLINK:
      return StatusCode::kTooManyLinks;
    default:
      return StatusCode::kIoError;
  }
}

Status MemError(std::string_view op, std::string_view path, int err) {
  char buf[256];
  std::string msg(op);
  msg.append(" ").append(path).append(": ").append(strerror_r(err, buf, sizeof(buf)));
  return Status(CodeForErrno(err), std::move(msg));
}

std::string TwoPaths(std::string_view a, std::string_view b) {
  std::string s(a);
  s.append(" -> ").append(b);
  return s;
}

std::deque<std::string> SplitPath(std::string_view path) {
  std::deque<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) {
      std::string_view seg = path.substr(i, j - i);
      if (seg != ".") out.emplace_back(seg);
    }
    i = j + 1;
  }
  return out;
}

std::atomic<uint64_t> next_device{0x6d656d00};  // "mem\0": distinct per MemEnv

}  // namespace

namespace mem_env_internal {

struct Inode {
  uint64_t ino = 0;
  FileType type = FileType::kRegular;
  uint32_t mode = 0;
  uint64_t nlink = 0;  // names pointing here (regular files and symlinks)
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  std::string data;                                        // regular: contents; symlink: target
  std::map<std::string, std::shared_ptr<Inode>> children;  // directories, sorted by name
  // What a crash that loses unsynced state leaves: the contents as of the last Sync, the
  // entries as of the last SyncDir (see MemEnv::SimulateCrash).
  std::string durable_data;
  std::map<std::string, std::shared_ptr<Inode>> durable_children;
};

}  // namespace mem_env_internal

using mem_env_internal::Inode;

struct MemEnv::State {
  std::mutex mu;
  std::condition_variable lock_released;
  std::shared_ptr<Inode> root;
  uint64_t device = 0;
  uint64_t next_ino = 1;
  int64_t elapsed_ns = 0;                           // added to both clocks
  std::map<uint64_t, std::string> locks;            // inode -> holder text
  uint64_t free_space = MemEnv::kDefaultFreeSpace;  // what FreeSpace reports

  int64_t Now() const { return kClockStartUnixNanos + elapsed_ns; }

  std::shared_ptr<Inode> NewInode(FileType type, uint32_t mode) {
    auto n = std::make_shared<Inode>();
    n->ino = next_ino++;
    n->type = type;
    n->mode = mode & 07777;
    n->mtime_ns = n->ctime_ns = Now();
    return n;
  }

  void Touch(Inode* dir) { dir->mtime_ns = dir->ctime_ns = Now(); }

  // The result of resolving a path: the directory that holds the last component, its name
  // there, and the inode (null when the last component does not exist). For "/" and paths
  // ending in "..", parent is null and node is the directory itself.
  struct Lookup {
    std::shared_ptr<Inode> parent;
    std::string name;
    std::shared_ptr<Inode> node;
  };

  // Returns 0 or an errno. Intermediate symlinks are always followed; the last one only when
  // follow_last. `canonical`, when given, receives the path of what was found (the parent's
  // canonical path plus the last name when the last component does not exist).
  int Walk(const std::string& path, bool follow_last, Lookup* out,
           std::string* canonical = nullptr) {
    if (path.empty()) return ENOENT;
    std::deque<std::string> comps = SplitPath(path);
    std::vector<std::shared_ptr<Inode>> stack{root};
    std::vector<std::string> names;  // of stack[1..]
    auto path_of = [&names](const std::string* last) {
      std::string p;
      for (const std::string& n : names) p.append("/").append(n);
      if (last != nullptr) p.append("/").append(*last);
      return p.empty() ? std::string("/") : p;
    };
    int hops = 0;
    while (!comps.empty()) {
      std::string name = std::move(comps.front());
      comps.pop_front();
      const std::shared_ptr<Inode>& cur = stack.back();
      if (cur->type != FileType::kDirectory) return ENOTDIR;
      if ((cur->mode & 0100) == 0) return EACCES;
      if (name == "..") {
        if (stack.size() > 1) {
          stack.pop_back();
          names.pop_back();
        }
        continue;
      }
      bool last = comps.empty();
      auto it = cur->children.find(name);
      if (it == cur->children.end()) {
        if (!last) return ENOENT;
        if (canonical != nullptr) *canonical = path_of(&name);
        *out = Lookup{cur, name, nullptr};
        return 0;
      }
      std::shared_ptr<Inode> child = it->second;
      if (child->type == FileType::kSymlink && (!last || follow_last)) {
        if (++hops > kMaxSymlinkHops) return ELOOP;
        std::deque<std::string> target = SplitPath(child->data);
        if (!child->data.empty() && child->data.front() == '/') {
          stack.resize(1);
          names.clear();
        }
        comps.insert(comps.begin(), target.begin(), target.end());
        continue;
      }
      if (last) {
        if (canonical != nullptr) *canonical = path_of(&name);
        *out = Lookup{cur, name, child};
        return 0;
      }
      stack.push_back(child);
      names.push_back(std::move(name));
    }
    if (canonical != nullptr) *canonical = path_of(nullptr);
    *out = Lookup{nullptr, "", stack.back()};
    return 0;
  }

  static bool CanModify(const Inode& dir) { return (dir.mode & 0300) == 0300; }

  FileInfo InfoOf(const Inode& n) const {
    FileInfo info;
    info.type = n.type;
    info.mode = n.mode;
    info.device = device;
    info.inode = n.ino;
    info.mtime_ns = n.mtime_ns;
    info.ctime_ns = n.ctime_ns;
    if (n.type == FileType::kDirectory) {
      uint64_t subdirs = 0;
      for (const auto& [name, child] : n.children) {
        if (child->type == FileType::kDirectory) ++subdirs;
      }
      info.link_count = 2 + subdirs;
      info.size = 4096;
    } else {
      info.link_count = n.nlink;
      info.size = n.data.size();
    }
    return info;
  }

  // Creates an entry `name` in `dir` (which must exist and allow modification).
  void Link(Inode* dir, const std::string& name, std::shared_ptr<Inode> node) {
    if (node->type != FileType::kDirectory) ++node->nlink;
    dir->children[name] = std::move(node);
    Touch(dir);
  }

  void Unlink(Inode* dir, const std::string& name) {
    auto it = dir->children.find(name);
    if (it->second->type != FileType::kDirectory) {
      --it->second->nlink;
      it->second->ctime_ns = Now();
    }
    dir->children.erase(it);
    Touch(dir);
  }

  // Opens for writing (shared by NewWritableFile / NewAppendableFile / LockFile).
  int OpenForWrite(const std::string& path, uint32_t mode, bool truncate,
                   std::shared_ptr<Inode>* out) {
    Lookup l;
    if (int err = Walk(path, /*follow_last=*/true, &l)) return err;
    if (l.node) {
      if (l.node->type == FileType::kDirectory) return EISDIR;
      if ((l.node->mode & 0200) == 0) return EACCES;
      if (truncate && !l.node->data.empty()) {
        l.node->data.clear();
        l.node->mtime_ns = l.node->ctime_ns = Now();
      }
      *out = l.node;
      return 0;
    }
    if (!l.parent) return EISDIR;
    if (!CanModify(*l.parent)) return EACCES;
    // A new file is writable through this handle whatever its mode, as with open(O_CREAT).
    auto node = NewInode(FileType::kRegular, mode);
    Link(l.parent.get(), l.name, node);
    *out = std::move(node);
    return 0;
  }
};

namespace {

class MemSequentialFile final : public SequentialFile {
 public:
  MemSequentialFile(std::shared_ptr<MemEnv::State> state, std::shared_ptr<Inode> node)
      : state_(std::move(state)), node_(std::move(node)) {}

  Result<size_t> Read(char* buf, size_t n) override {
    std::lock_guard<std::mutex> lock(state_->mu);
    const std::string& data = node_->data;
    if (pos_ >= data.size()) return size_t{0};
    size_t k = std::min<uint64_t>(n, data.size() - pos_);
    std::memcpy(buf, data.data() + pos_, k);
    pos_ += k;
    return k;
  }

  Status Skip(uint64_t n) override {
    pos_ += n;  // like lseek: skipping past the end is allowed, reads then return 0
    return Status::OK();
  }

 private:
  std::shared_ptr<MemEnv::State> state_;
  std::shared_ptr<Inode> node_;
  uint64_t pos_ = 0;
};

class MemRandomAccessFile final : public RandomAccessFile {
 public:
  MemRandomAccessFile(std::shared_ptr<MemEnv::State> state, std::shared_ptr<Inode> node)
      : state_(std::move(state)), node_(std::move(node)) {}

  Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) override {
    std::lock_guard<std::mutex> lock(state_->mu);
    const std::string& data = node_->data;
    if (offset >= data.size()) return size_t{0};
    size_t k = std::min<uint64_t>(n, data.size() - offset);
    std::memcpy(buf, data.data() + offset, k);
    return k;
  }

  Result<FileInfo> Stat() override {
    std::lock_guard<std::mutex> lock(state_->mu);
    return state_->InfoOf(*node_);
  }

 private:
  std::shared_ptr<MemEnv::State> state_;
  std::shared_ptr<Inode> node_;
};

class MemWritableFile final : public WritableFile {
 public:
  MemWritableFile(std::shared_ptr<MemEnv::State> state, std::shared_ptr<Inode> node,
                  std::string path, bool append)
      : state_(std::move(state)), node_(std::move(node)), path_(std::move(path)), append_(append) {}

  Status Append(std::string_view data) override {
    if (closed_) return Status::IoError("write " + path_ + ": file is already closed");
    std::lock_guard<std::mutex> lock(state_->mu);
    std::string& contents = node_->data;
    if (append_) pos_ = contents.size();
    if (pos_ > contents.size()) contents.resize(pos_, '\0');  // truncated under us
    size_t overlap = std::min<size_t>(data.size(), contents.size() - pos_);
    contents.replace(pos_, overlap, data.data(), data.size());
    pos_ += data.size();
    node_->mtime_ns = node_->ctime_ns = state_->Now();
    return Status::OK();
  }

  Status Sync() override {
    if (closed_) return Status::IoError("fsync " + path_ + ": file is already closed");
    std::lock_guard<std::mutex> lock(state_->mu);
    node_->durable_data = node_->data;
    return Status::OK();
  }

  Status Close() override {
    closed_ = true;
    return Status::OK();
  }

 private:
  std::shared_ptr<MemEnv::State> state_;
  std::shared_ptr<Inode> node_;
  const std::string path_;
  const bool append_;
  uint64_t pos_ = 0;
  bool closed_ = false;
};

class MemFileLock final : public FileLock {
 public:
  MemFileLock(std::shared_ptr<MemEnv::State> state, std::shared_ptr<Inode> node)
      : state_(std::move(state)), node_(std::move(node)) {}
  ~MemFileLock() override {
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      state_->locks.erase(node_->ino);
      node_->data.clear();  // as PosixEnv: the holder text does not outlive the holder
    }
    state_->lock_released.notify_all();
  }

 private:
  std::shared_ptr<MemEnv::State> state_;
  std::shared_ptr<Inode> node_;
};

}  // namespace

MemEnv::MemEnv() : state_(std::make_shared<State>()) {
  state_->device = next_device.fetch_add(1);
  state_->root = state_->NewInode(FileType::kDirectory, 0755);
}

MemEnv::~MemEnv() = default;

void MemEnv::AdvanceClock(int64_t nanos) {
  if (nanos <= 0) return;
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->elapsed_ns += nanos;
}

Result<std::unique_ptr<SequentialFile>> MemEnv::NewSequentialFile(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mu);
  State::Lookup l;
  int err = state_->Walk(path, true, &l);
  if (err == 0 && !l.node) err = ENOENT;
  if (err == 0 && l.node->type == FileType::kDirectory) err = EISDIR;
  if (err == 0 && (l.node->mode & 0400) == 0) err = EACCES;
  if (err) return MemError("open", path, err);
  return std::unique_ptr<SequentialFile>(new MemSequentialFile(state_, l.node));
}

Result<std::unique_ptr<RandomAccessFile>> MemEnv::NewRandomAccessFile(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mu);
  State::Lookup l;
  int err = state_->Walk(path, /*follow_last=*/false, &l);
  if (err == 0 && !l.node) err = ENOENT;
  if (err == 0 && l.node->type == FileType::kSymlink) {
    return Status::PermissionDenied("open " + path + ": is a symlink; refused");
  }
  if (err == 0 && (l.node->mode & 0400) == 0) err = EACCES;
  if (err) return MemError("open", path, err);
  return std::unique_ptr<RandomAccessFile>(new MemRandomAccessFile(state_, l.node));
}

Result<std::string> MemEnv::RealPath(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mu);
  State::Lookup l;
  std::string canonical;
  int err = state_->Walk(path, /*follow_last=*/true, &l, &canonical);
  if (err == 0 && !l.node) err = ENOENT;
  if (err) return MemError("realpath", path, err);
  return canonical;
}

Result<std::unique_ptr<WritableFile>> MemEnv::NewWritableFile(const std::string& path,
                                                              uint32_t mode) {
  std::lock_guard<std::mutex> lock(state_->mu);
  std::shared_ptr<Inode> node;
  if (int err = state_->OpenForWrite(path, mode, /*truncate=*/true, &node)) {
    return MemError("open", path, err);
  }
  return std::unique_ptr<WritableFile>(new MemWritableFile(state_, node, path, false));
}

Result<std::unique_ptr<WritableFile>> MemEnv::NewAppendableFile(const std::string& path,
                                                                uint32_t mode) {
  std::lock_guard<std::mutex> lock(state_->mu);
  std::shared_ptr<Inode> node;
  if (int err = state_->OpenForWrite(path, mode, /*truncate=*/false, &node)) {
    return MemError("open", path, err);
  }
  return std::unique_ptr<WritableFile>(new MemWritableFile(state_, node, path, true));
}

Result<FileInfo> MemEnv::Stat(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mu);
  State::Lookup l;
  int err = state_->Walk(path, true, &l);
  if (err == 0 && !l.node) err = ENOENT;
  if (err) return MemError("stat", path, err);
  return state_->InfoOf(*l.node);
}

Result<FileInfo> MemEnv::LinkStat(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mu);
  State::Lookup l;
  int err = state_->Walk(path, false, &l);
  if (err == 0 && !l.node) err = ENOENT;
  if (err) return MemError("lstat", path, err);
  return state_->InfoOf(*l.node);
}

Status MemEnv::Chmod(const std::string& path, uint32_t mode) {
  std::lock_guard<std::mutex> lock(state_->mu);
  State::Lookup l;
  int err = state_->Walk(path, true, &l);
  if (err == 0 && !l.node) err = ENOENT;
  if (err) return MemError("chmod", path, err);
  l.node->mode = mode & 07777;
  l.node->ctime_ns = state_->Now();
  return Status::OK();
}

Status MemEnv::Truncate(const std::string& path, uint64_t size) {
  std::lock_guard<std::mutex> lock(state_->mu);
  State::Lookup l;
  int err = state_->Walk(path, true, &l);
  if (err == 0 && !l.node) err = ENOENT;
  if (err == 0 && l.node->type == FileType::kDirectory) err = EISDIR;
  if (err == 0 && (l.node->mode & 0200) == 0) err = EACCES;
  if (err) return MemError("truncate", path, err);
  l.node->data.resize(size, '\0');
  l.node->mtime_ns = l.node->ctime_ns = state_->Now();
  return Status::OK();
}

Status MemEnv::SetModificationTime(const std::string& path, int64_t mtime_ns) {
  std::lock_guard<std::mutex> lock(state_->mu);
  State::Lookup l;
  int err = state_->Walk(path, true, &l);
  if (err == 0 && !l.node) err = ENOENT;
  if (err) return MemError("utimensat", path, err);
  l.node->mtime_ns = mtime_ns;
  l.node->ctime_ns = state_->Now();
  return Status::OK();
}

Result<uint64_t> MemEnv::FreeSpace(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mu);
  State::Lookup l;
  int err = state_->Walk(path, true, &l);
  if (err == 0 && !l.node) err = ENOENT;
  if (err) return MemError("statvfs", path, err);
  return state_->free_space;
}

void MemEnv::SetFreeSpace(uint64_t bytes) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->free_space = bytes;
}

Status MemEnv::RemoveFile(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mu);
  State::Lookup l;
  int err = state_->Walk(path, false, &l);
  if (err == 0 && !l.node) err = ENOENT;
  if (err == 0 && l.node->type == FileType::kDirectory) err = EISDIR;
  if (err == 0 && !State::CanModify(*l.parent)) err = EACCES;
  if (err) return MemError("unlink", path, err);
  state_->Unlink(l.parent.get(), l.name);
  return Status::OK();
}

namespace {

bool IsAncestorOrSelf(const Inode* ancestor, const Inode* node) {
  if (ancestor == node) return true;
  if (ancestor->type != FileType::kDirectory) return false;
  for (const auto& [name, child] : ancestor->children) {
    if (child->type == FileType::kDirectory && IsAncestorOrSelf(child.get(), node)) return true;
  }
  return false;
}

}  // namespace

Status MemEnv::Rename(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> lock(state_->mu);
  const std::string what = TwoPaths(from, to);
  State::Lookup src, dst;
  int err = state_->Walk(from, false, &src);
  if (err == 0 && !src.node) err = ENOENT;
  if (err == 0 && !src.parent) err = EBUSY;
  if (err == 0) err = state_->Walk(to, false, &dst);
  if (err == 0 && !dst.parent) err = EBUSY;
  if (err) return MemError("rename", what, err);
  if (src.node == dst.node) return Status::OK();  // same file: POSIX does nothing
  if (!State::CanModify(*src.parent) || !State::CanModify(*dst.parent)) {
    return MemError("rename", what, EACCES);
  }
  bool src_is_dir = src.node->type == FileType::kDirectory;
  if (dst.node) {
    bool dst_is_dir = dst.node->type == FileType::kDirectory;
    if (src_is_dir && !dst_is_dir) return MemError("rename", what, ENOTDIR);
    if (!src_is_dir && dst_is_dir) return MemError("rename", what, EISDIR);
    if (dst_is_dir && !dst.node->children.empty()) return MemError("rename", what, ENOTEMPTY);
  }
  if (src_is_dir && IsAncestorOrSelf(src.node.get(), dst.parent.get())) {
    return MemError("rename", what, EINVAL);
  }
  std::shared_ptr<Inode> node = src.node;
  if (dst.node) state_->Unlink(dst.parent.get(), dst.name);
  state_->Unlink(src.parent.get(), src.name);
  state_->Link(dst.parent.get(), dst.name, node);
  node->ctime_ns = state_->Now();
  return Status::OK();
}

Status MemEnv::CreateDir(const std::string& path, uint32_t mode) {
  std::lock_guard<std::mutex> lock(state_->mu);
  State::Lookup l;
  int err = state_->Walk(path, false, &l);
  if (err == 0 && (l.node || !l.parent)) err = EEXIST;
  if (err == 0 && !State::CanModify(*l.parent)) err = EACCES;
  if (err) return MemError("mkdir", path, err);
  state_->Link(l.parent.get(), l.name, state_->NewInode(FileType::kDirectory, mode));
  return Status::OK();
}

Status MemEnv::RemoveDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mu);
  State::Lookup l;
  int err = state_->Walk(path, false, &l);
  if (err == 0 && !l.node) err = ENOENT;
  if (err == 0 && !l.parent) err = EBUSY;
  if (err == 0 && l.node->type != FileType::kDirectory) err = ENOTDIR;
  if (err == 0 && !l.node->children.empty()) err = ENOTEMPTY;
  if (err == 0 && !State::CanModify(*l.parent)) err = EACCES;
  if (err) return MemError("rmdir", path, err);
  state_->Unlink(l.parent.get(), l.name);
  return Status::OK();
}

Result<std::vector<DirEntry>> MemEnv::ListDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mu);
  State::Lookup l;
  int err = state_->Walk(path, true, &l);
  if (err == 0 && !l.node) err = ENOENT;
  if (err == 0 && l.node->type != FileType::kDirectory) err = ENOTDIR;
  if (err == 0 && (l.node->mode & 0400) == 0) err = EACCES;
  if (err) return MemError("opendir", path, err);
  std::vector<DirEntry> entries;
  entries.reserve(l.node->children.size());
  for (const auto& [name, child] : l.node->children) {  // std::map: already sorted by name
    entries.push_back(DirEntry{name, child->type});
  }
  return entries;
}

Status MemEnv::SyncDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mu);
  State::Lookup l;
  int err = state_->Walk(path, true, &l);
  if (err == 0 && !l.node) err = ENOENT;
  if (err == 0 && l.node->type != FileType::kDirectory) err = ENOTDIR;
  if (err) return MemError("open", path, err);
  l.node->durable_children = l.node->children;
  return Status::OK();
}

Status MemEnv::Symlink(const std::string& target, const std::string& link_path) {
  std::lock_guard<std::mutex> lock(state_->mu);
  State::Lookup l;
  int err = state_->Walk(link_path, false, &l);
  if (err == 0 && (l.node || !l.parent)) err = EEXIST;
  if (err == 0 && target.empty()) err = ENOENT;
  if (err == 0 && !State::CanModify(*l.parent)) err = EACCES;
  if (err) return MemError("symlink", TwoPaths(link_path, target), err);
  auto node = state_->NewInode(FileType::kSymlink, 0777);
  node->data = node->durable_data = target;  // written with the inode: durable with its entry
  state_->Link(l.parent.get(), l.name, std::move(node));
  return Status::OK();
}

Result<std::string> MemEnv::ReadLink(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mu);
  State::Lookup l;
  int err = state_->Walk(path, false, &l);
  if (err == 0 && !l.node) err = ENOENT;
  if (err == 0 && l.node->type != FileType::kSymlink) err = EINVAL;
  if (err) return MemError("readlink", path, err);
  return l.node->data;
}

Status MemEnv::HardLink(const std::string& existing, const std::string& new_path) {
  std::lock_guard<std::mutex> lock(state_->mu);
  State::Lookup src, dst;
  int err = state_->Walk(existing, false, &src);  // link(2) does not follow on Linux
  if (err == 0 && !src.node) err = ENOENT;
  if (err == 0 && src.node->type == FileType::kDirectory) err = EPERM;
  if (err == 0) err = state_->Walk(new_path, false, &dst);
  if (err == 0 && (dst.node || !dst.parent)) err = EEXIST;
  if (err == 0 && !State::CanModify(*dst.parent)) err = EACCES;
  if (err) return MemError("link", TwoPaths(existing, new_path), err);
  state_->Link(dst.parent.get(), dst.name, src.node);
  src.node->ctime_ns = state_->Now();
  return Status::OK();
}

Status MemEnv::Reflink(const std::string& src, const std::string& dst) {
  std::lock_guard<std::mutex> lock(state_->mu);
  State::Lookup s, d;
  int err = state_->Walk(src, true, &s);
  if (err == 0 && !s.node) err = ENOENT;
  if (err == 0 && (s.node->mode & 0400) == 0) err = EACCES;
  if (err) return MemError("open", src, err);
  if (s.node->type == FileType::kDirectory) return MemError("reflink", TwoPaths(src, dst), EISDIR);
  err = state_->Walk(dst, true, &d);
  if (err == 0 && (d.node || !d.parent)) err = EEXIST;
  if (err == 0 && !State::CanModify(*d.parent)) err = EACCES;
  if (err) return MemError("open", dst, err);
  auto node = state_->NewInode(FileType::kRegular, s.node->mode);
  node->data = s.node->data;
  state_->Link(d.parent.get(), d.name, std::move(node));
  return Status::OK();
}

Result<std::unique_ptr<FileLock>> MemEnv::LockFile(const std::string& path,
                                                   const std::string& holder, bool wait) {
  std::unique_lock<std::mutex> lock(state_->mu);
  std::shared_ptr<Inode> node;
  if (int err = state_->OpenForWrite(path, 0644, /*truncate=*/false, &node)) {
    return MemError("open", path, err);
  }
  while (state_->locks.count(node->ino) != 0) {
    if (!wait) {
      std::string text = state_->locks[node->ino];
      if (text.empty()) text = "another process";
      return Status::Busy("lock " + path + " is held by " + text +
                          "; wait for it to finish or stop it");
    }
    state_->lock_released.wait(lock);
  }
  state_->locks[node->ino] = holder;
  node->data = holder + "\n";
  node->mtime_ns = node->ctime_ns = state_->Now();
  return std::unique_ptr<FileLock>(new MemFileLock(state_, node));
}

int64_t MemEnv::NowUnixNanos() {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->Now();
}

int64_t MemEnv::NowMonotonicNanos() {
  std::lock_guard<std::mutex> lock(state_->mu);
  return 1000000000LL + state_->elapsed_ns;
}

void MemEnv::SleepForMicros(int64_t micros) {
  AdvanceClock(micros * 1000);
  // Let a thread we are "waiting" for run, so polling loops on MemEnv make progress.
  std::this_thread::yield();
}

namespace {

// Applies `fn` once to every inode reachable from `root` through `children`.
template <typename Fn>
void ForEachInode(Inode* root, Fn fn) {
  std::set<Inode*> seen;
  std::vector<Inode*> todo{root};
  while (!todo.empty()) {
    Inode* n = todo.back();
    todo.pop_back();
    if (!seen.insert(n).second) continue;
    fn(n);
    for (const auto& [name, child] : n->children) todo.push_back(child.get());
  }
}

}  // namespace

void MemEnv::MarkAllDurable() {
  std::lock_guard<std::mutex> lock(state_->mu);
  ForEachInode(state_->root.get(), [](Inode* n) {
    if (n->type == FileType::kDirectory) {
      n->durable_children = n->children;
    } else {
      n->durable_data = n->data;
    }
  });
}

void MemEnv::SimulateCrash(CrashOutcome outcome) {
  if (outcome == CrashOutcome::kKernelKeptEverything) return;
  std::lock_guard<std::mutex> lock(state_->mu);
  // Directories first take back their durable entries (children are visited after their
  // parent, so only what is durably reachable is restored), then link counts are recounted.
  std::vector<Inode*> names;
  ForEachInode(state_->root.get(), [&](Inode* n) {
    if (n->type == FileType::kDirectory) {
      n->children = n->durable_children;
      for (const auto& [name, child] : n->children) {
        if (child->type != FileType::kDirectory) names.push_back(child.get());
      }
    } else {
      n->data = n->durable_data;
      n->nlink = 0;
    }
  });
  for (Inode* n : names) ++n->nlink;
}

std::unique_ptr<Env> NewMemEnv() { return std::make_unique<MemEnv>(); }

}  // namespace ferry
