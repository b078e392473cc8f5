#include "push/local_transport.h"

#include <set>
#include <vector>

#include "base/file_util.h"
#include "base/path.h"
#include "push/run_manifest.h"

namespace ferry::push {
namespace {

// mkdir -p that remembers what it created, so each new entry can be fsynced into its parent.
Status CreateDirsDurably(Env* env, const std::string& dir, std::set<std::string>* known) {
  if (known->count(dir) != 0) return Status::OK();
  std::vector<std::string> created;  // deepest first
  std::string d = dir;
  while (true) {
    Result<FileInfo> info = env->Stat(d);
    if (info.ok()) {
      if (!info->is_directory()) {
        return Status::AlreadyExists("cannot create directory " + d +
                                     ": a file of that name exists on the destination");
      }
      break;
    }
    if (!info.status().IsNotFound()) return info.status();
    created.push_back(d);
    const std::string parent = DirName(d);
    if (parent == d) break;
    d = parent;
  }
  for (auto it = created.rbegin(); it != created.rend(); ++it) {
    Status s = env->CreateDir(*it);
    if (!s.ok() && !s.IsAlreadyExists()) return s;
  }
  // Each new directory's entry lives in its parent: sync the parents, deepest last is fine
  // since every one of them is synced before we return.
  for (const std::string& c : created) FERRY_RETURN_IF_ERROR(env->SyncDir(DirName(c)));
  known->insert(dir);
  for (const std::string& c : created) known->insert(c);
  return Status::OK();
}

}  // namespace

Result<LocalPushStats> PushRunLocally(Env* env, const std::string& run_dir,
                                      const std::string& dest_dir,
                                      const std::atomic<bool>* cancel) {
  // An empty cache dir name excludes nothing: the NAS copy carries the cache dir too.
  FERRY_ASSIGN_OR_RETURN(std::vector<RunFile> files, ListRunFiles(env, run_dir, ""));
  std::set<std::string> known_dirs;
  FERRY_RETURN_IF_ERROR(CreateDirsDurably(env, dest_dir, &known_dirs));
  LocalPushStats stats;
  for (const RunFile& f : files) {
    if (cancel != nullptr && cancel->load()) {
      return Status::Cancelled("push of " + run_dir + " to " + dest_dir + " cancelled after " +
                               std::to_string(stats.files) + " files");
    }
    const std::string src = JoinPath(run_dir, f.path);
    const std::string dst = JoinPath(dest_dir, f.path);
    FERRY_RETURN_IF_ERROR(CreateDirsDurably(env, DirName(dst), &known_dirs));
    FERRY_ASSIGN_OR_RETURN(FileInfo info, env->Stat(src));
    FERRY_RETURN_IF_ERROR(CopyFile(env, src, dst, info.mode));
    ++stats.files;
    stats.bytes += info.size;
  }
  return stats;
}

}  // namespace ferry::push
