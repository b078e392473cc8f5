#include "store/content_store.h"

#include <mutex>

#include "base/file_util.h"
#include "base/path.h"
#include "base/thread_pool.h"

namespace ferry {
namespace {

constexpr std::string_view kAsideSuffix = ".ferry-old";

// Makes a file's bytes durable. The staged file came from a download that may or may not have
// synced it; a second fsync of clean data is nearly free, a missing one loses the table.
Status SyncFile(Env* env, const std::string& path, uint32_t mode) {
  if ((mode & 0200) == 0) FERRY_RETURN_IF_ERROR(env->Chmod(path, mode | 0200));
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, env->NewAppendableFile(path, 0644));
  FERRY_RETURN_IF_ERROR(file->Sync());
  return file->Close();
}

// Seals a staged directory of parts: every file fsynced and 0444, every subdirectory fsynced
// and 0555. The top directory is synced but keeps its mode: moving a directory to another
// parent needs write permission on the directory itself (for its ".." entry), so the caller
// makes it 0555 once it is in place.
Status SealStagedTree(Env* env, const std::string& dir, bool top) {
  FERRY_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, env->ListDir(dir));
  for (const DirEntry& e : entries) {
    std::string path = JoinPath(dir, e.name);
    if (e.type == FileType::kDirectory) {
      FERRY_RETURN_IF_ERROR(SealStagedTree(env, path, /*top=*/false));
    } else if (e.type == FileType::kRegular) {
      FERRY_ASSIGN_OR_RETURN(FileInfo info, env->LinkStat(path));
      FERRY_RETURN_IF_ERROR(SyncFile(env, path, info.mode));
      FERRY_RETURN_IF_ERROR(env->Chmod(path, 0444));
    } else {
      // A symlink inside the store could point anywhere; a canonical holds only bytes.
      return Status::InvalidArgument("install " + path +
                                     ": a staged table may hold only files and directories");
    }
  }
  FERRY_RETURN_IF_ERROR(env->SyncDir(dir));
  if (!top) FERRY_RETURN_IF_ERROR(env->Chmod(dir, 0555));
  return Status::OK();
}

}  // namespace

std::string AsidePathFor(const std::string& shared_path) {
  return JoinPath(DirName(shared_path), "." + BaseName(shared_path) + std::string(kAsideSuffix));
}

bool IsAsideName(std::string_view name, std::string* owner) {
  if (name.size() < 2 + kAsideSuffix.size() || name.front() != '.' ||
      name.substr(name.size() - kAsideSuffix.size()) != kAsideSuffix) {
    return false;
  }
  if (owner != nullptr) {
    *owner = std::string(name.substr(1, name.size() - 1 - kAsideSuffix.size()));
  }
  return true;
}

bool IsStoreTempName(std::string_view name) {
  return IsTempName(name) || IsAsideName(name, nullptr);
}

Status RecoverInterruptedInstall(Env* env, const std::string& shared_path) {
  std::string aside = AsidePathFor(shared_path);
  FERRY_ASSIGN_OR_RETURN(bool aside_exists, PathExists(env, aside));
  if (!aside_exists) return Status::OK();
  FERRY_ASSIGN_OR_RETURN(bool canonical_exists, PathExists(env, shared_path));
  if (canonical_exists) {
    // Crash between "new in" and "old removed": the new canonical is complete.
    return RemoveTree(env, aside);
  }
  // Crash between "old aside" and "new in": the aside is the only, complete, old canonical.
  // Not fsynced: a rename back lost to another crash leaves the very state this started from,
  // which every reader of the store (pull, audit, InstallCanonical) recovers first again; and
  // InstallCanonical's own SyncDir(parent) makes it durable with the install that follows.
  // (Removing a SyncDir here turned no crash test red: pull_partitioned_crash_test.cc.)
  return env->Rename(aside, shared_path);
}

Result<std::vector<std::string>> RecoverInterruptedInstalls(Env* env,
                                                            const WorkspaceLayout& layout) {
  std::vector<std::string> recovered;
  Result<std::vector<DirEntry>> entries = env->ListDir(layout.shared_dir());
  if (!entries.ok()) {
    if (entries.status().IsNotFound()) return recovered;
    return entries.status();
  }
  for (const DirEntry& e : *entries) {
    std::string owner;
    if (!IsAsideName(e.name, &owner) || owner.empty()) continue;
    std::string canonical = JoinPath(layout.shared_dir(), owner);
    FERRY_RETURN_IF_ERROR(RecoverInterruptedInstall(env, canonical));
    recovered.push_back(std::move(canonical));
  }
  return recovered;
}

Status InstallCanonical(Env* env, const std::string& staged_path, const std::string& shared_path) {
  FERRY_ASSIGN_OR_RETURN(FileInfo staged, env->LinkStat(staged_path));
  if (!staged.is_regular() && !staged.is_directory()) {
    return Status::InvalidArgument("install " + staged_path + " as " + shared_path +
                                   ": not a regular file or directory");
  }
  const std::string parent = DirName(shared_path);
  FERRY_RETURN_IF_ERROR(CreateDirs(env, parent));
  // A previous install of this path may have crashed half-way; settle it first so the aside
  // name is free and the "old" canonical below is the real one.
  FERRY_RETURN_IF_ERROR(RecoverInterruptedInstall(env, shared_path));

  if (staged.is_regular()) {
    FERRY_RETURN_IF_ERROR(SyncFile(env, staged_path, staged.mode));
    FERRY_RETURN_IF_ERROR(env->Chmod(staged_path, 0444));
  } else {
    FERRY_RETURN_IF_ERROR(SealStagedTree(env, staged_path, /*top=*/true));
  }

  Result<FileInfo> old = env->LinkStat(shared_path);
  if (!old.ok() && !old.status().IsNotFound()) return old.status();
  const bool had_old = old.ok();

  if (staged.is_regular() && !(had_old && old->is_directory())) {
    // A file over a file (or nothing): rename(2) replaces atomically.
    FERRY_RETURN_IF_ERROR(env->Rename(staged_path, shared_path));
    return env->SyncDir(parent);
  }

  // A directory is involved: rename(2) cannot replace it. See the recovery rule in the header.
  const std::string aside = AsidePathFor(shared_path);
  if (had_old) FERRY_RETURN_IF_ERROR(env->Rename(shared_path, aside));
  Status s = env->Rename(staged_path, shared_path);
  if (!s.ok()) {
    if (had_old) {
      Status back = env->Rename(aside, shared_path);
      IgnoreError(back, "if putting the old canonical back fails too, the recovery rule does");
    }
    return s;
  }
  if (staged.is_directory()) FERRY_RETURN_IF_ERROR(env->Chmod(shared_path, 0555));
  // Make "new in place" durable before the old one goes.
  FERRY_RETURN_IF_ERROR(env->SyncDir(parent));
  if (had_old) FERRY_RETURN_IF_ERROR(RemoveTree(env, aside));
  return Status::OK();
}

Status RemoveCanonical(Env* env, const std::string& shared_path) {
  // RemoveTree makes read-only (0555) directories writable before emptying them; a 0444 file
  // only needs its directory writable to be unlinked.
  return RemoveTree(env, shared_path);
}

Status DiscardCanonical(Env* env, const WorkspaceLayout& layout, const std::string& shared_path) {
  if (env->Rename(shared_path, JoinPath(layout.trash_dir(), BaseName(shared_path))).ok()) {
    return Status::OK();
  }
  // Whatever failed (no trash directory, another filesystem, a clash), removing in place is
  // always right; RemoveCanonical also treats a canonical already gone as done.
  return RemoveCanonical(env, shared_path);
}

Status EmptyTrash(Env* env, const WorkspaceLayout& layout, int jobs) {
  Result<std::vector<DirEntry>> entries = env->ListDir(layout.trash_dir());
  if (!entries.ok()) return entries.status().IsNotFound() ? Status::OK() : entries.status();
  std::mutex mu;
  Status first_error;
  auto remove = [&](const DirEntry& e) {
    Status s = RemoveTree(env, JoinPath(layout.trash_dir(), e.name));
    std::lock_guard<std::mutex> lock(mu);
    if (!s.ok() && first_error.ok()) first_error = s;
  };
  ParallelFor(jobs, entries->size(), [&](size_t i) { remove((*entries)[i]); });
  return first_error;
}

}  // namespace ferry
