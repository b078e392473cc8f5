#include "sync/local_replica.h"

#include <optional>
#include <vector>

#include "base/file_util.h"
#include "base/hasher.h"
#include "base/path.h"
#include "sync/dir_listing.h"

namespace ferry::sync {
namespace {

constexpr size_t kCopyChunk = size_t{1} << 20;

// mkdir -p whose every new directory is durable: each one created is followed by a SyncDir
// of its parent. Without that a crash after MoveToBackup into a new trash directory loses the
// moved file: the rename out of its old directory was synced, the directory it went into was
// not (LocalReplicaTest.MoveToBackupSurvivesACrash). A symlink inside `root` is never
// followed: writing through it would leave the replica.
Status CreateDirsDurably(Env* env, const std::string& root, const std::string& path) {
  bool inside = path != root && IsPathWithin(path, root);
  Result<FileInfo> info = inside ? env->LinkStat(path) : env->Stat(path);
  if (info.ok()) {
    if (info->is_directory()) return Status::OK();
    if (info->is_symlink()) {
      return Status::Refused("mkdir " + path +
                             ": is a symlink; ferry syncs links as links and "
                             "never writes through one");
    }
    return Status::AlreadyExists("mkdir " + path + ": exists and is not a directory");
  }
  if (!info.status().IsNotFound()) return info.status();
  std::string parent = DirName(path);
  if (parent != path) FERRY_RETURN_IF_ERROR(CreateDirsDurably(env, root, parent));
  Status s = env->CreateDir(path, 0755);
  if (s.IsAlreadyExists()) return Status::OK();  // made meanwhile by someone else
  FERRY_RETURN_IF_ERROR(s);
  return env->SyncDir(parent);
}

std::optional<EntryKind> KindOf(FileType type) {
  switch (type) {
    case FileType::kRegular:
      return EntryKind::kFile;
    case FileType::kDirectory:
      return EntryKind::kDir;
    case FileType::kSymlink:
      return EntryKind::kSymlink;
    case FileType::kOther:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

LocalReplica::LocalReplica(Env* env, std::string root)
    : env_(env), root_(NormalizePathLexically(root)) {}

std::string LocalReplica::id() const { return "local:" + root_; }

Result<std::string> LocalReplica::Full(const std::string& path) const {
  if (!IsValidReplicaPath(path)) {
    return Status::InvalidArgument("sync path '" + path + "' under " + root_ +
                                   " is not a relative path inside the replica");
  }
  return JoinPath(root_, path);
}

Result<RootState> LocalReplica::GetRootState() {
  Result<FileInfo> info = env_->Stat(root_);
  if (!info.ok()) {
    if (info.status().IsNotFound()) return RootState::kMissing;
    return info.status();
  }
  if (!info->is_directory()) {
    return Status::InvalidArgument("replica root " + root_ +
                                   " is not a directory; give a directory to sync");
  }
  FERRY_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, env_->ListDir(root_));
  for (const DirEntry& e : entries) {
    if (e.name != kTrashDirName && !IsTempName(e.name)) return RootState::kPopulated;
  }
  return RootState::kEmpty;
}

Result<ReplicaEntry> LocalReplica::MakeEntry(std::string path, const FileInfo& info) {
  std::optional<EntryKind> kind = KindOf(info.type);
  if (!kind) {
    return Status::NotSupported(JoinPath(root_, path) +
                                " is neither a file, a link nor a directory");
  }
  ReplicaEntry e;
  e.path = std::move(path);
  e.kind = *kind;
  e.mtime_ns = info.mtime_ns;
  e.inode = info.inode;
  e.mode = info.mode;
  if (e.kind == EntryKind::kFile) e.size = info.size;
  if (e.kind == EntryKind::kSymlink) {
    FERRY_ASSIGN_OR_RETURN(e.link_target, env_->ReadLink(JoinPath(root_, e.path)));
    e.size = e.link_target.size();
  }
  return e;
}

Status LocalReplica::Walk(const std::string& dir_rel,
                          const std::function<Status(ReplicaEntry)>& visit) {
  std::string dir_full = dir_rel.empty() ? root_ : JoinPath(root_, dir_rel);
  // One call per directory that lists and stats (fstatat on PosixEnv): no full path is built
  // or resolved per entry, which is most of a no-op sync's time (docs/SYNC.md "Performance").
  FERRY_ASSIGN_OR_RETURN(std::vector<DirEntryWithInfo> entries, ListDirWithInfo(env_, dir_full));
  for (DirEntryWithInfo& d : entries) {
    if (IsTempName(d.name)) continue;
    if (dir_rel.empty() && d.name == kTrashDirName) continue;
    if (!KindOf(d.info.type)) continue;  // a socket or fifo cannot be synced
    std::string rel;
    if (dir_rel.empty()) {
      rel = std::move(d.name);
    } else {
      rel.reserve(dir_rel.size() + 1 + d.name.size());
      rel.append(dir_rel).append(1, '/').append(d.name);
    }
    bool is_dir = d.info.type == FileType::kDirectory;
    std::string child = is_dir ? rel : std::string();
    Result<ReplicaEntry> entry = MakeEntry(std::move(rel), d.info);
    if (!entry.ok()) {
      // A link removed between the listing and its ReadLink is simply not there any more.
      if (entry.status().IsNotFound()) continue;
      return entry.status();
    }
    FERRY_RETURN_IF_ERROR(visit(std::move(*entry)));
    if (is_dir) FERRY_RETURN_IF_ERROR(Walk(child, visit));
  }
  return Status::OK();
}

Status LocalReplica::List(const std::function<Status(ReplicaEntry)>& visit) {
  return Walk("", visit);
}

Result<ReplicaEntry> LocalReplica::Stat(const std::string& path) {
  FERRY_ASSIGN_OR_RETURN(std::string full, Full(path));
  FERRY_ASSIGN_OR_RETURN(FileInfo info, env_->LinkStat(full));
  return MakeEntry(path, info);
}

Result<std::unique_ptr<SequentialFile>> LocalReplica::OpenRead(const std::string& path) {
  FERRY_ASSIGN_OR_RETURN(std::string full, Full(path));
  return env_->NewSequentialFile(full);
}

Status LocalReplica::WriteFile(const std::string& path, SequentialFile* source,
                               const WriteMeta& meta) {
  FERRY_ASSIGN_OR_RETURN(std::string full, Full(path));
  std::string dir = DirName(full);
  FERRY_RETURN_IF_ERROR(CreateDirsDurably(env_, root_, dir));
  std::string temp = MakeTempPathFor(full);
  Status s = [&]() -> Status {
    FERRY_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> out, env_->NewWritableFile(temp, 0600));
    std::string buf(kCopyChunk, '\0');
    Hasher hasher(HashAlgorithm::kSha256);
    while (true) {
      FERRY_ASSIGN_OR_RETURN(size_t n, source->Read(buf.data(), buf.size()));
      if (n == 0) break;
      std::string_view chunk(buf.data(), n);
      if (meta.expected_hash) hasher.Update(chunk);
      FERRY_RETURN_IF_ERROR(out->Append(chunk));
    }
    if (meta.expected_hash) {
      ContentHash got{};
      if (!ParseContentHashHex(hasher.FinishHex(), &got) || got != *meta.expected_hash) {
        return Status::Conflict("write " + full +
                                ": the source changed while it was copied; not replaced");
      }
    }
    FERRY_RETURN_IF_ERROR(out->Sync());
    FERRY_RETURN_IF_ERROR(out->Close());
    FERRY_RETURN_IF_ERROR(env_->SetModificationTime(temp, meta.mtime_ns));
    FERRY_RETURN_IF_ERROR(env_->Chmod(temp, meta.mode));
    return env_->Rename(temp, full);
  }();
  if (!s.ok()) {
    IgnoreError(env_->RemoveFile(temp), "cleaning up a failed write; IsTempName skips leftovers");
    return s;
  }
  return env_->SyncDir(dir);
}

Status LocalReplica::WriteSymlink(const std::string& path, const std::string& target) {
  FERRY_ASSIGN_OR_RETURN(std::string full, Full(path));
  std::string dir = DirName(full);
  FERRY_RETURN_IF_ERROR(CreateDirsDurably(env_, root_, dir));
  std::string temp = MakeTempPathFor(full);
  FERRY_RETURN_IF_ERROR(env_->Symlink(target, temp));
  Status s = env_->Rename(temp, full);
  if (!s.ok()) {
    IgnoreError(env_->RemoveFile(temp), "cleaning up a failed link; IsTempName skips leftovers");
    return s;
  }
  return env_->SyncDir(dir);
}

Status LocalReplica::CreateDir(const std::string& path, uint32_t mode) {
  FERRY_ASSIGN_OR_RETURN(std::string full, Full(path));
  FERRY_RETURN_IF_ERROR(CreateDirsDurably(env_, root_, DirName(full)));
  Status s = env_->CreateDir(full, mode);
  if (s.IsAlreadyExists()) {
    FERRY_ASSIGN_OR_RETURN(FileInfo info, env_->LinkStat(full));
    if (info.is_directory()) return Status::OK();
    return s;
  }
  FERRY_RETURN_IF_ERROR(s);
  return env_->SyncDir(DirName(full));
}

Status LocalReplica::RemoveDir(const std::string& path) {
  FERRY_ASSIGN_OR_RETURN(std::string full, Full(path));
  FERRY_RETURN_IF_ERROR(env_->RemoveDir(full));
  return env_->SyncDir(DirName(full));
}

Status LocalReplica::Rename(const std::string& from, const std::string& to) {
  FERRY_ASSIGN_OR_RETURN(std::string from_full, Full(from));
  FERRY_ASSIGN_OR_RETURN(std::string to_full, Full(to));
  FERRY_ASSIGN_OR_RETURN(bool exists, PathExists(env_, to_full));
  if (exists) {
    return Status::AlreadyExists("rename " + from_full + " to " + to_full +
                                 ": the target exists; ferry never renames over a file");
  }
  FERRY_RETURN_IF_ERROR(CreateDirsDurably(env_, root_, DirName(to_full)));
  FERRY_RETURN_IF_ERROR(env_->Rename(from_full, to_full));
  FERRY_RETURN_IF_ERROR(env_->SyncDir(DirName(to_full)));
  if (DirName(to_full) == DirName(from_full)) return Status::OK();
  return env_->SyncDir(DirName(from_full));
}

Status LocalReplica::PreserveInBackup(const std::string& path, const std::string& backup_path) {
  FERRY_ASSIGN_OR_RETURN(std::string full, Full(path));
  FERRY_ASSIGN_OR_RETURN(std::string backup_full, Full(backup_path));
  std::string backup_dir = DirName(backup_full);
  FERRY_RETURN_IF_ERROR(CreateDirsDurably(env_, root_, backup_dir));
  FERRY_ASSIGN_OR_RETURN(FileInfo info, env_->LinkStat(full));
  if (info.is_symlink()) {
    FERRY_ASSIGN_OR_RETURN(std::string target, env_->ReadLink(full));
    FERRY_RETURN_IF_ERROR(env_->Symlink(target, backup_full));
  } else if (info.is_regular()) {
    Status linked = env_->HardLink(full, backup_full);
    if (!linked.ok()) {
      // Another filesystem under the trash, or the inode's link limit: a copy keeps the
      // version just as well, only slower.
      FERRY_RETURN_IF_ERROR(CopyFile(env_, full, backup_full, info.mode));
      FERRY_RETURN_IF_ERROR(env_->SetModificationTime(backup_full, info.mtime_ns));
    }
  } else {
    return Status::InvalidArgument("backup " + full +
                                   ": only files and links are kept by copy; move a directory");
  }
  return env_->SyncDir(backup_dir);
}

Status LocalReplica::MoveToBackup(const std::string& path, const std::string& backup_path) {
  FERRY_ASSIGN_OR_RETURN(std::string full, Full(path));
  FERRY_ASSIGN_OR_RETURN(std::string backup_full, Full(backup_path));
  std::string backup_dir = DirName(backup_full);
  FERRY_RETURN_IF_ERROR(CreateDirsDurably(env_, root_, backup_dir));
  FERRY_RETURN_IF_ERROR(env_->Rename(full, backup_full));
  FERRY_RETURN_IF_ERROR(env_->SyncDir(backup_dir));
  return env_->SyncDir(DirName(full));
}

}  // namespace ferry::sync
