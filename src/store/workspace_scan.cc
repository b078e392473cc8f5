#include "store/workspace_scan.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include "base/file_util.h"
#include "base/path.h"
#include "store/content_store.h"
#include "store/link_paths.h"

namespace ferry {
namespace {

// ListDir, with a missing directory as no entries.
Result<std::vector<DirEntry>> ListIfExists(Env* env, const std::string& dir) {
  Result<std::vector<DirEntry>> entries = env->ListDir(dir);
  if (!entries.ok() && entries.status().IsNotFound()) return std::vector<DirEntry>();
  return entries;
}

bool HasParquetSuffix(std::string_view name) {
  return name.size() > kParquetSuffix.size() &&
         name.substr(name.size() - kParquetSuffix.size()) == kParquetSuffix;
}

using InodeKey = std::pair<uint64_t, uint64_t>;  // (device, inode)

// The first regular file of a directory tree (name order), if any.
Result<std::optional<std::string>> FirstFileIn(Env* env, const std::string& dir) {
  FERRY_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, env->ListDir(dir));
  for (const DirEntry& e : entries) {
    std::string path = JoinPath(dir, e.name);
    if (e.type == FileType::kRegular) return std::optional<std::string>(path);
    if (e.type == FileType::kDirectory) {
      FERRY_ASSIGN_OR_RETURN(std::optional<std::string> inner, FirstFileIn(env, path));
      if (inner) return inner;
    }
  }
  return std::optional<std::string>();
}

// (device, inode) of every canonical file -- for a partitioned canonical, of its first part --
// mapped to the canonical's path. Only files with more than one link can be hardlinked, so
// only those go in the map.
Result<std::map<InodeKey, std::string>> CanonicalInodes(Env* env, const WorkspaceLayout& layout) {
  std::map<InodeKey, std::string> inodes;
  FERRY_ASSIGN_OR_RETURN(std::vector<std::string> shared, ScanSharedFiles(env, layout));
  for (const std::string& canonical : shared) {
    FERRY_ASSIGN_OR_RETURN(FileInfo info, env->LinkStat(canonical));
    std::string probe = canonical;
    if (info.is_directory()) {
      FERRY_ASSIGN_OR_RETURN(std::optional<std::string> first, FirstFileIn(env, canonical));
      if (!first) continue;
      probe = *first;
      FERRY_ASSIGN_OR_RETURN(info, env->LinkStat(probe));
    }
    if (info.is_regular() && info.link_count > 1) {
      inodes.emplace(InodeKey{info.device, info.inode}, canonical);
    }
  }
  return inodes;
}

Status ScanTempsUnder(Env* env, const std::string& dir, std::vector<std::string>* out) {
  FERRY_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, ListIfExists(env, dir));
  // Runs over every entry of data/ after each pull: paths are only built for what matters.
  for (const DirEntry& e : entries) {
    std::string owner;
    if (IsAsideName(e.name, &owner)) {
      // Only a leftover when its canonical is back in place (see content_store.h).
      FERRY_ASSIGN_OR_RETURN(bool owner_exists, PathExists(env, JoinPath(dir, owner)));
      if (owner_exists) out->push_back(JoinPath(dir, e.name));
      continue;
    }
    if (IsTempName(e.name)) {
      out->push_back(JoinPath(dir, e.name));
      continue;
    }
    if (e.type == FileType::kDirectory) {
      FERRY_RETURN_IF_ERROR(ScanTempsUnder(env, JoinPath(dir, e.name), out));
    }
  }
  return Status::OK();
}

}  // namespace

Result<std::vector<std::string>> ScanSharedFiles(Env* env, const WorkspaceLayout& layout) {
  std::vector<std::string> out;
  FERRY_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, ListIfExists(env, layout.shared_dir()));
  for (const DirEntry& e : entries) {
    if (IsStoreTempName(e.name) || !HasParquetSuffix(e.name)) continue;
    if (e.type != FileType::kRegular && e.type != FileType::kDirectory) continue;
    out.push_back(JoinPath(layout.shared_dir(), e.name));
  }
  return out;  // ListDir is sorted by name, so this is too
}

Result<std::vector<ObservedReference>> ScanReferences(Env* env, const WorkspaceLayout& layout) {
  std::vector<ObservedReference> out;
  FERRY_ASSIGN_OR_RETURN(std::vector<DirEntry> dirs, ListIfExists(env, layout.data_dir()));
  std::optional<std::map<InodeKey, std::string>> inodes;  // built on first need
  for (const DirEntry& d : dirs) {
    if (d.type != FileType::kDirectory || d.name == kSharedDirName || IsStoreTempName(d.name)) {
      continue;
    }
    const std::string dir_path = JoinPath(layout.data_dir(), d.name);
    FERRY_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, ListIfExists(env, dir_path));
    for (const DirEntry& e : entries) {
      if (IsStoreTempName(e.name) || !HasParquetSuffix(e.name)) continue;
      ObservedReference ref;
      ref.dir = d.name;
      ref.name = e.name.substr(0, e.name.size() - kParquetSuffix.size());
      ref.ref_path = JoinPath(dir_path, e.name);
      if (e.type == FileType::kSymlink) {
        FERRY_ASSIGN_OR_RETURN(std::string target, env->ReadLink(ref.ref_path));
        ref.strategy_guess = LinkStrategy::kSymlink;
        ref.target_shared_path = ResolveSymlinkTarget(ref.ref_path, target);
        Result<FileInfo> pointed = env->Stat(ref.ref_path);
        ref.is_directory = pointed.ok() && pointed->is_directory();
        out.push_back(std::move(ref));
        continue;
      }
      if (e.type != FileType::kRegular && e.type != FileType::kDirectory) continue;
      ref.is_directory = e.type == FileType::kDirectory;
      std::string probe = ref.ref_path;
      if (ref.is_directory) {
        FERRY_ASSIGN_OR_RETURN(std::optional<std::string> first, FirstFileIn(env, probe));
        probe = first.value_or("");
      }
      ref.strategy_guess = LinkStrategy::kCopy;
      if (!probe.empty()) {
        FERRY_ASSIGN_OR_RETURN(FileInfo info, env->LinkStat(probe));
        if (info.link_count > 1) {
          if (!inodes) {
            FERRY_ASSIGN_OR_RETURN(auto built, CanonicalInodes(env, layout));
            inodes = std::move(built);
          }
          auto it = inodes->find(InodeKey{info.device, info.inode});
          if (it != inodes->end()) {
            ref.strategy_guess = LinkStrategy::kHardlink;
            ref.target_shared_path = it->second;
          }
        }
      }
      out.push_back(std::move(ref));
    }
  }
  return out;
}

Result<std::vector<std::string>> ScanLeftoverTemps(Env* env, const WorkspaceLayout& layout) {
  std::vector<std::string> out;
  FERRY_RETURN_IF_ERROR(ScanTempsUnder(env, layout.data_dir(), &out));
  FERRY_RETURN_IF_ERROR(ScanTempsUnder(env, layout.memory_dir(), &out));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace ferry
