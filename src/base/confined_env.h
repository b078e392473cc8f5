// ConfinedEnv: an Env that refuses to create, change or remove anything outside its roots.
//
// An engine that works on a tree (a pull's workspace, a sync's replicas) runs on a ConfinedEnv
// over the real one, so that no record it reads (a sync_state.json edited by hand, a copied
// workspace whose state still names the original) can make it write outside that tree: the
// state anchoring (src/store/state_anchor.h) keeps every path inside, and this wrapper makes a
// mistake there a refused call instead of a deleted file elsewhere.
//
// The check is lexical on the path given ("/ws/../etc" is outside /ws): every path the engines
// pass is absolute and built from the root. A relative path is refused. Reads are never
// refused. Creating a directory that is an ancestor of a root is allowed (the engine makes
// its root like mkdir -p). A refused call returns kRefused:
//   "refused to remove /else/where: outside the workspace /ws"
//
// Thread-safety: as thread-safe as the wrapped Env (the roots are immutable).
#ifndef FERRY_BASE_CONFINED_ENV_H_
#define FERRY_BASE_CONFINED_ENV_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/env.h"

namespace ferry {

class ConfinedEnv : public EnvWrapper {
 public:
  // `what` names the roots in messages ("the workspace"); roots are absolute.
  ConfinedEnv(Env* target, std::vector<std::string> roots, std::string what);

  // True when `path` is one of the roots or lies under one (lexically).
  bool Contains(std::string_view path) const;

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& p,
                                                        uint32_t mode) override;
  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& p,
                                                          uint32_t mode) override;
  Status Chmod(const std::string& p, uint32_t mode) override;
  Status Truncate(const std::string& p, uint64_t size) override;
  Status SetModificationTime(const std::string& p, int64_t mtime_ns) override;
  Status RemoveFile(const std::string& p) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status CreateDir(const std::string& p, uint32_t mode) override;
  Status RemoveDir(const std::string& p) override;
  Status Symlink(const std::string& target, const std::string& link_path) override;
  Status HardLink(const std::string& existing, const std::string& new_path) override;
  Status Reflink(const std::string& src, const std::string& dst) override;
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& p, const std::string& holder,
                                             bool wait) override;

 private:
  // OK when `path` is inside; kRefused naming `verb` and the path otherwise.
  Status Check(std::string_view verb, const std::string& path) const;

  std::vector<std::string> roots_;  // normalized, no trailing '/'
  std::string what_;
};

}  // namespace ferry

#endif  // FERRY_BASE_CONFINED_ENV_H_
