#include "store/linker.h"

#include <optional>
#include <utility>

#include "base/file_util.h"
#include "base/hasher.h"
#include "base/path.h"
#include "store/digest_cache.h"
#include "store/link_paths.h"

namespace ferry {
namespace {

struct TreeEntry {
  std::string rel;  // path relative to the tree's root
  FileType type;
};

// Every entry under `dir`, depth-first in name order, directories before their contents.
Status ListTree(Env* env, const std::string& dir, const std::string& prefix,
                std::vector<TreeEntry>* out) {
  FERRY_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, env->ListDir(dir));
  for (const DirEntry& e : entries) {
    std::string rel = prefix.empty() ? e.name : JoinPath(prefix, e.name);
    out->push_back({rel, e.type});
    if (e.type == FileType::kDirectory) {
      FERRY_RETURN_IF_ERROR(ListTree(env, JoinPath(dir, e.name), rel, out));
    }
  }
  return Status::OK();
}

Result<std::string> Md5Of(Env* env, DigestCache* cache, const std::string& path) {
  if (cache != nullptr) return cache->Md5Of(path);
  return HashFile(env, path, HashAlgorithm::kMd5);
}

// Result<FileInfo> -> nullopt for "not found", the info, or the error.
Result<std::optional<FileInfo>> MaybeStat(Env* env, const std::string& path, bool follow) {
  Result<FileInfo> info = follow ? env->Stat(path) : env->LinkStat(path);
  if (info.ok()) return std::optional<FileInfo>(*info);
  if (info.status().IsNotFound()) return std::optional<FileInfo>();
  return info.status();
}

// A reflink or copy `ref` of the file `shared`: same size and the expected digest.
Result<bool> IsCopyCurrent(Env* env, const std::string& shared, const FileInfo& shared_info,
                           const std::string& ref, const FileInfo& ref_info,
                           const std::string& expected_md5, DigestCache* cache) {
  if (!ref_info.is_regular() || ref_info.size != shared_info.size) return false;
  FERRY_ASSIGN_OR_RETURN(std::string have, Md5Of(env, cache, ref));
  if (!expected_md5.empty()) return have == expected_md5;
  FERRY_ASSIGN_OR_RETURN(std::string want, Md5Of(env, cache, shared));
  return have == want;
}

// The directory `ref` mirrors the canonical directory `shared` part for part.
Result<bool> IsTreeCurrent(Env* env, const std::string& shared, const std::string& ref,
                           LinkStrategy strategy, DigestCache* cache) {
  std::vector<TreeEntry> want, have;
  FERRY_RETURN_IF_ERROR(ListTree(env, shared, "", &want));
  FERRY_RETURN_IF_ERROR(ListTree(env, ref, "", &have));
  if (want.size() != have.size()) return false;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i].rel != have[i].rel || want[i].type != have[i].type) return false;
    if (want[i].type != FileType::kRegular) continue;
    std::string src = JoinPath(shared, want[i].rel);
    std::string dst = JoinPath(ref, have[i].rel);
    FERRY_ASSIGN_OR_RETURN(FileInfo src_info, env->LinkStat(src));
    FERRY_ASSIGN_OR_RETURN(FileInfo dst_info, env->LinkStat(dst));
    if (strategy == LinkStrategy::kHardlink) {
      if (src_info.device != dst_info.device || src_info.inode != dst_info.inode) return false;
      continue;
    }
    FERRY_ASSIGN_OR_RETURN(bool same, IsCopyCurrent(env, src, src_info, dst, dst_info, "", cache));
    if (!same) return false;
  }
  return true;
}

}  // namespace

Linker::Linker(Env* env, std::vector<LinkStrategy> order) : env_(env), order_(std::move(order)) {}

std::vector<LinkStrategy> Linker::remaining_order() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<LinkStrategy> out;
  for (LinkStrategy s : order_) {
    if (!dropped_[static_cast<size_t>(s)]) out.push_back(s);
  }
  return out;
}

std::vector<std::string> Linker::drop_notes() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> notes;
  for (const Drop& d : drops_) {
    // The note is written when it is read, not at the drop: only then is it known which
    // strategies took over (the next one in the order may have failed too).
    std::vector<std::pair<LinkStrategy, size_t>> used;
    for (LinkStrategy s : order_) {
      const size_t i = static_cast<size_t>(s);
      if (made_[i] > d.made_at_drop[i]) used.push_back({s, made_[i] - d.made_at_drop[i]});
    }
    std::string instead = used.empty() ? "no reference was made after it" : "references made with ";
    for (size_t u = 0; u < used.size(); ++u) {
      if (u > 0) instead += ", ";
      instead += LinkStrategyName(used[u].first);
      // One strategy alone needs no count.
      if (used.size() > 1) instead += " (" + std::to_string(used[u].second) + ")";
    }
    if (!used.empty()) instead += " instead";
    notes.push_back(std::string(LinkStrategyName(d.strategy)) + " dropped for this run: " + d.why +
                    "; " + instead);
  }
  return notes;
}

bool Linker::MaybeDrop(LinkStrategy strategy, const Status& why) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t left = 0;
  for (LinkStrategy s : order_) {
    if (!dropped_[static_cast<size_t>(s)]) ++left;
  }
  if (left <= 1 || dropped_[static_cast<size_t>(strategy)]) return false;
  dropped_[static_cast<size_t>(strategy)] = true;
  drops_.push_back({strategy, why.message(), made_});
  return true;
}

Status Linker::BuildFile(LinkStrategy strategy, const std::string& src, const std::string& dst) {
  switch (strategy) {
    case LinkStrategy::kHardlink:
      return env_->HardLink(src, dst);
    case LinkStrategy::kCopy:
      // CopyFile streams through its own temp, fsyncs and renames onto dst.
      return CopyFile(env_, src, dst, 0444);
    case LinkStrategy::kReflink: {
      FERRY_RETURN_IF_ERROR(env_->Reflink(src, dst));
      // The clone's metadata must be durable before it is renamed into view; opening it to
      // fsync needs write permission for a moment (the clone has the canonical's 0444).
      FERRY_RETURN_IF_ERROR(env_->Chmod(dst, 0644));
      FERRY_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> f, env_->NewAppendableFile(dst, 0644));
      FERRY_RETURN_IF_ERROR(f->Sync());
      FERRY_RETURN_IF_ERROR(f->Close());
      return env_->Chmod(dst, 0444);
    }
    case LinkStrategy::kSymlink:
      break;
  }
  return Status::Internal("link " + dst + ": a symlink is never built part by part");
}

Status Linker::BuildTree(LinkStrategy strategy, const std::string& src_dir,
                         const std::string& dst_dir) {
  FERRY_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, env_->ListDir(src_dir));
  for (const DirEntry& e : entries) {
    std::string src = JoinPath(src_dir, e.name);
    std::string dst = JoinPath(dst_dir, e.name);
    if (e.type == FileType::kDirectory) {
      FERRY_RETURN_IF_ERROR(env_->CreateDir(dst, 0755));
      FERRY_RETURN_IF_ERROR(BuildTree(strategy, src, dst));
      FERRY_RETURN_IF_ERROR(env_->Chmod(dst, 0555));
    } else if (e.type == FileType::kRegular) {
      FERRY_RETURN_IF_ERROR(BuildFile(strategy, src, dst));
    } else {
      return Status::InvalidArgument("link " + src +
                                     ": a canonical table may hold only files and directories");
    }
  }
  // The directory's entries are durable before it is renamed into view: else a crash could
  // leave a reference directory that lost its parts (a reference showing the wrong bytes).
  return env_->SyncDir(dst_dir);
}

Status Linker::Build(LinkStrategy strategy, const std::string& shared, bool shared_is_dir,
                     const std::string& temp, const std::string& ref_path) {
  if (strategy == LinkStrategy::kSymlink) {
    return env_->Symlink(RelativePathBetween(DirName(ref_path), shared), temp);
  }
  if (!shared_is_dir) return BuildFile(strategy, shared, temp);
  FERRY_RETURN_IF_ERROR(env_->CreateDir(temp, 0755));
  FERRY_RETURN_IF_ERROR(BuildTree(strategy, shared, temp));
  // Same parent as ref_path, so the rename below needs no write permission on temp itself.
  return env_->Chmod(temp, 0555);
}

Status Linker::PlaceOver(const std::string& temp, bool temp_is_dir, const std::string& ref_path) {
  FERRY_ASSIGN_OR_RETURN(std::optional<FileInfo> current,
                         MaybeStat(env_, ref_path, /*follow=*/false));
  if (!current || (!current->is_directory() && !temp_is_dir)) {
    // rename(2) atomically replaces a file or symlink (or fills an empty name).
    return env_->Rename(temp, ref_path);
  }
  // rename(2) cannot put a directory over a file, nor anything over a non-empty directory.
  std::string aside = MakeTempPathFor(ref_path);
  FERRY_RETURN_IF_ERROR(env_->Rename(ref_path, aside));
  Status s = env_->Rename(temp, ref_path);
  if (!s.ok()) {
    Status back = env_->Rename(aside, ref_path);
    IgnoreError(back, "the old reference stays at a temp name the audit removes");
    return s;
  }
  Status removed = RemoveTree(env_, aside);
  IgnoreError(removed, "the new reference is in place; the leftover temp is the audit's");
  return Status::OK();
}

Result<LinkStrategy> Linker::MakeReference(const std::string& shared_path,
                                           const std::string& ref_path) {
  FERRY_ASSIGN_OR_RETURN(FileInfo shared_info, env_->Stat(shared_path));
  if (!shared_info.is_regular() && !shared_info.is_directory()) {
    return Status::InvalidArgument("link " + ref_path + " -> " + shared_path +
                                   ": the canonical is not a file or directory");
  }
  const bool is_dir = shared_info.is_directory();
  FERRY_RETURN_IF_ERROR(CreateDirs(env_, DirName(ref_path)));

  Status last;
  for (LinkStrategy strategy : order_) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (dropped_[static_cast<size_t>(strategy)]) continue;
    }
    const std::string temp = MakeTempPathFor(ref_path);
    Status s = Build(strategy, shared_path, is_dir, temp, ref_path);
    if (s.ok()) {
      s = PlaceOver(temp, is_dir && strategy != LinkStrategy::kSymlink, ref_path);
      if (!s.ok()) {
        IgnoreError(RemoveTree(env_, temp), "a leftover temp is removed by the audit");
        return s;  // the strategy worked; the rename did not, and another one would not help
      }
      std::lock_guard<std::mutex> lock(mu_);
      touched_dirs_.insert(DirName(ref_path));
      ++made_[static_cast<size_t>(strategy)];
      return strategy;
    }
    IgnoreError(RemoveTree(env_, temp), "a leftover temp is removed by the audit");
    last = s;
    switch (s.code()) {
      case StatusCode::kNotSupported:
      case StatusCode::kPermissionDenied:
        MaybeDrop(strategy, s);  // this filesystem cannot: stop trying for this run
        continue;
      case StatusCode::kTooManyLinks:
        continue;  // this inode is full; the next reference may link another one
      default:
        return s;
    }
  }
  if (last.ok()) {
    last = Status::NotSupported("no link strategy left");
  }
  return Status(last.code(), "link " + ref_path + " -> " + shared_path +
                                 ": every link strategy failed; last error: " + last.message() +
                                 " (pass another --link order, e.g. copy)");
}

Result<bool> Linker::IsReferenceCurrent(const std::string& shared_path, const std::string& ref_path,
                                        LinkStrategy strategy, const std::string& expected_md5,
                                        DigestCache* cache) {
  if (strategy == LinkStrategy::kSymlink) {
    // readlink alone answers for a symlink (one system call per reference on the no-op
    // path); only when it fails does an lstat tell "not a symlink" from a real error.
    Result<std::string> target = env_->ReadLink(ref_path);
    if (target.ok()) {
      return ResolveSymlinkTarget(ref_path, *target) == NormalizePathLexically(shared_path);
    }
    if (target.status().IsNotFound()) return false;
    FERRY_ASSIGN_OR_RETURN(std::optional<FileInfo> ref, MaybeStat(env_, ref_path, false));
    if (!ref || !ref->is_symlink()) return false;
    return target.status();
  }
  FERRY_ASSIGN_OR_RETURN(std::optional<FileInfo> ref, MaybeStat(env_, ref_path, false));
  if (!ref) return false;
  if (ref->is_symlink()) return false;
  FERRY_ASSIGN_OR_RETURN(std::optional<FileInfo> shared, MaybeStat(env_, shared_path, true));
  if (!shared) return false;
  if (shared->is_directory() != ref->is_directory()) return false;
  if (shared->is_directory()) return IsTreeCurrent(env_, shared_path, ref_path, strategy, cache);
  if (strategy == LinkStrategy::kHardlink) {
    return ref->is_regular() && ref->device == shared->device && ref->inode == shared->inode;
  }
  return IsCopyCurrent(env_, shared_path, *shared, ref_path, *ref, expected_md5, cache);
}

Status Linker::RemoveReference(const std::string& ref_path) {
  // A reference directory leaves view in one rename, so that no reader (and no crash) sees it
  // half emptied; the temp name left by a crash is the audit's to remove.
  FERRY_ASSIGN_OR_RETURN(std::optional<FileInfo> info, MaybeStat(env_, ref_path, false));
  if (!info) return Status::OK();
  if (info->is_directory()) {
    const std::string aside = MakeTempPathFor(ref_path);
    FERRY_RETURN_IF_ERROR(env_->Rename(ref_path, aside));
    return RemoveTree(env_, aside);
  }
  // RemoveTree never follows a symlink.
  return RemoveTree(env_, ref_path);
}

Status Linker::SyncTouchedDirs() {
  std::set<std::string> dirs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    dirs.swap(touched_dirs_);
  }
  for (const std::string& dir : dirs) {
    Status s = env_->SyncDir(dir);
    if (s.IsNotFound()) continue;  // removed since (a dropped package)
    FERRY_RETURN_IF_ERROR(s);
  }
  return Status::OK();
}

}  // namespace ferry
