#include "serve/parts.h"

#include <algorithm>

#include "base/log.h"
#include "base/path.h"
#include "ferry/env.h"
#include "serve/catalog.h"

namespace ferry::serve {
namespace {

constexpr int kMaxDepth = 32;

bool EndsWithParquet(const std::string& name) {
  return name.size() > 8 && name.compare(name.size() - 8, 8, ".parquet") == 0;
}

Status Walk(Env* env, const std::string& root, const std::string& abs_dir,
            const std::string& rel_dir, int depth, std::vector<PartFile>* out,
            std::vector<DirStamp>* walked) {
  if (depth > kMaxDepth) return Status::OK();
  if (walked != nullptr) {
    DirStamp stamp{abs_dir, 0, 0, -1};  // mtime -1: never matches, the listing is re-done
    if (Result<FileInfo> d = env->Stat(abs_dir); d.ok()) {
      stamp.device = d->device;
      stamp.inode = d->inode;
      stamp.mtime_ns = d->mtime_ns;
    }
    walked->push_back(std::move(stamp));
  }
  FERRY_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, env->ListDir(abs_dir));
  for (const DirEntry& e : entries) {
    const std::string rel = rel_dir.empty() ? e.name : rel_dir + "/" + e.name;
    const std::string abs = JoinPath(abs_dir, e.name);
    if (e.type == FileType::kDirectory) {
      FERRY_RETURN_IF_ERROR(Walk(env, root, abs, rel, depth + 1, out, walked));
      continue;
    }
    if (!EndsWithParquet(e.name)) continue;
    if (!IsSafeRelativePath(rel)) {
      spdlog::warn("serve: skipping part '{}' of {}: not a safe path", rel, abs_dir);
      continue;
    }
    Result<std::string> resolved = env->RealPath(abs);
    if (!resolved.ok()) continue;  // dangling symlink, or raced away
    const std::string& canonical = *resolved;
    Result<FileInfo> st = env->Stat(canonical);
    if (!IsInsideRoot(root, canonical) || !st.ok() || !st->is_regular()) {
      spdlog::warn(
          "serve: skipping part '{}' of {}: it leads outside root {} or is not a "
          "regular file",
          rel, abs_dir, root);
      continue;
    }
    out->push_back(PartFile{rel, canonical});
  }
  return Status::OK();
}

}  // namespace

bool DirUnchanged(Env* env, const DirStamp& stamp) {
  Result<FileInfo> st = env->Stat(stamp.path);
  return st.ok() && st->is_directory() && st->device == stamp.device && st->inode == stamp.inode &&
         st->mtime_ns == stamp.mtime_ns;
}

Result<std::vector<PartFile>> ListParts(Env* env, const std::string& root, const std::string& dir,
                                        std::vector<DirStamp>* walked) {
  std::vector<PartFile> parts;
  FERRY_RETURN_IF_ERROR(Walk(env, root, dir, "", 0, &parts, walked));
  std::sort(parts.begin(), parts.end(),
            [](const PartFile& a, const PartFile& b) { return a.path < b.path; });
  return parts;
}

}  // namespace ferry::serve
