// Helpers for the sync engine's tests: build trees on an Env, read them back whole, and
// collect every version kept in a replica's backup area.
#ifndef FERRY_SYNC_SYNC_TEST_UTIL_H_
#define FERRY_SYNC_SYNC_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "base/file_util.h"
#include "base/path.h"
#include "ferry/env.h"
#include "sync/replica.h"

namespace ferry::sync::testing {

// Writes `bytes` at root/rel (parents created), durably.
inline void PutFile(Env* env, const std::string& root, const std::string& rel,
                    const std::string& bytes) {
  std::string full = JoinPath(root, rel);
  ASSERT_TRUE(CreateDirs(env, DirName(full)).ok());
  Status s = WriteFileAtomically(env, full, bytes);
  ASSERT_TRUE(s.ok()) << s.ToString();
}

// path -> "f:<bytes>", "l:<target>" or "d" for everything under `dir` (recursively);
// `skip_trash` leaves the root's .ferry-trash out.
inline void Collect(Env* env, const std::string& dir, const std::string& rel, bool skip_trash,
                    std::map<std::string, std::string>* out) {
  auto entries = env->ListDir(dir);
  if (!entries.ok()) return;
  for (const DirEntry& e : *entries) {
    if (skip_trash && rel.empty() && e.name == kTrashDirName) continue;
    if (IsTempName(e.name)) continue;
    std::string child_rel = rel.empty() ? e.name : rel + "/" + e.name;
    std::string child = JoinPath(dir, e.name);
    if (e.type == FileType::kDirectory) {
      (*out)[child_rel] = "d";
      Collect(env, child, child_rel, skip_trash, out);
    } else if (e.type == FileType::kSymlink) {
      (*out)[child_rel] = "l:" + env->ReadLink(child).value_or("?");
    } else {
      (*out)[child_rel] = "f:" + ReadFileToString(env, child, 1 << 20).value_or("?");
    }
  }
}

inline std::map<std::string, std::string> Tree(Env* env, const std::string& root) {
  std::map<std::string, std::string> out;
  Collect(env, root, "", /*skip_trash=*/true, &out);
  return out;
}

// Every file's bytes in root's tree and in its backup area.
inline std::multiset<std::string> AllVersions(Env* env, const std::string& root) {
  std::map<std::string, std::string> all;
  Collect(env, root, "", /*skip_trash=*/false, &all);
  std::multiset<std::string> out;
  for (const auto& [path, what] : all) {
    if (what.starts_with("f:")) out.insert(what.substr(2));
  }
  return out;
}

}  // namespace ferry::sync::testing

#endif  // FERRY_SYNC_SYNC_TEST_UTIL_H_
