#include "serve/parts.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>

#include "base/log.h"
#include "base/path.h"
#include "ferry/env.h"
#include "serve/catalog.h"

namespace ferry::serve {
namespace {

constexpr int kMaxDepth = 32;

int64_t MtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

bool EndsWithParquet(const std::string& name) {
  return name.size() > 8 && name.compare(name.size() - 8, 8, ".parquet") == 0;
}

Status Walk(Env* env, const std::string& root, const std::string& abs_dir,
            const std::string& rel_dir, int depth, std::vector<PartFile>* out,
            std::vector<DirStamp>* walked) {
  if (depth > kMaxDepth) return Status::OK();
  if (walked != nullptr) {
    struct stat dst;
    DirStamp stamp{abs_dir, 0, 0, -1};  // mtime -1: never matches, the listing is re-done
    if (::stat(abs_dir.c_str(), &dst) == 0) {
      stamp.device = static_cast<uint64_t>(dst.st_dev);
      stamp.inode = static_cast<uint64_t>(dst.st_ino);
      stamp.mtime_ns = MtimeNs(dst);
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
    char buf[PATH_MAX];
    if (::realpath(abs.c_str(), buf) == nullptr) continue;  // dangling symlink, or raced away
    std::string canonical(buf);
    struct stat st;
    if (!IsInsideRoot(root, canonical) || ::stat(canonical.c_str(), &st) != 0 ||
        !S_ISREG(st.st_mode)) {
      spdlog::warn("serve: skipping part '{}' of {}: it leads outside root {} or is not a "
                   "regular file",
                   rel, abs_dir, root);
      continue;
    }
    out->push_back(PartFile{rel, canonical});
  }
  return Status::OK();
}

}  // namespace

bool DirUnchanged(const DirStamp& stamp) {
  struct stat st;
  return ::stat(stamp.path.c_str(), &st) == 0 && S_ISDIR(st.st_mode) &&
         static_cast<uint64_t>(st.st_dev) == stamp.device &&
         static_cast<uint64_t>(st.st_ino) == stamp.inode && MtimeNs(st) == stamp.mtime_ns;
}

Result<std::vector<PartFile>> ListParts(const std::string& root, const std::string& dir,
                                        std::vector<DirStamp>* walked) {
  std::vector<PartFile> parts;
  FERRY_RETURN_IF_ERROR(Walk(Env::Default(), root, dir, "", 0, &parts, walked));
  std::sort(parts.begin(), parts.end(),
            [](const PartFile& a, const PartFile& b) { return a.path < b.path; });
  return parts;
}

}  // namespace ferry::serve
