#include "base/hash_targets.h"

#include <algorithm>

#include "base/path.h"

namespace ferry {
namespace {

// Appends the files under `dir` to `out` (unsorted; the caller sorts the whole walk once).
void Walk(Env* env, const std::string& dir, std::vector<HashTarget>* out) {
  Result<std::vector<DirEntry>> entries = env->ListDir(dir);
  if (!entries.ok()) {
    out->push_back({dir, entries.status()});
    return;
  }
  for (const DirEntry& entry : *entries) {
    std::string child = JoinPath(dir, entry.name);
    switch (entry.type) {
      case FileType::kDirectory:
        Walk(env, child, out);
        break;
      case FileType::kRegular:
        out->push_back({child, Status::OK()});
        break;
      case FileType::kSymlink: {
        // Follow to files only; a dangling link or one to a directory is deliberately skipped
        // (see the header), so its Stat error is not reported.
        Result<FileInfo> info = env->Stat(child);
        if (info.ok() && info->is_regular()) out->push_back({child, Status::OK()});
        break;
      }
      case FileType::kOther:
        break;
    }
  }
}

}  // namespace

std::vector<HashTarget> ExpandHashTargets(Env* env, const std::vector<std::string>& args) {
  std::vector<HashTarget> targets;
  for (const std::string& arg : args) {
    if (arg == "-") {
      targets.push_back({arg, Status::OK()});
      continue;
    }
    Result<FileInfo> info = env->Stat(arg);
    if (!info.ok()) {
      targets.push_back({arg, info.status()});
      continue;
    }
    if (!info->is_directory()) {
      targets.push_back({arg, Status::OK()});
      continue;
    }
    size_t first = targets.size();
    Walk(env, arg, &targets);
    // Whole-path byte order (std::string compares as unsigned char), so "d/a b" sorts before
    // "d/a/x" just as `LC_ALL=C sort` puts it.
    std::sort(targets.begin() + static_cast<std::ptrdiff_t>(first), targets.end(),
              [](const HashTarget& a, const HashTarget& b) { return a.path < b.path; });
  }
  return targets;
}

}  // namespace ferry
