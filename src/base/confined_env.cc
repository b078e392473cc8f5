#include "base/confined_env.h"

#include <utility>

#include "base/path.h"

namespace ferry {

ConfinedEnv::ConfinedEnv(Env* target, std::vector<std::string> roots, std::string what)
    : EnvWrapper(target), what_(std::move(what)) {
  for (const std::string& r : roots) roots_.push_back(NormalizePathLexically(r));
}

bool ConfinedEnv::Contains(std::string_view path) const {
  if (path.empty() || path.front() != '/') return false;
  for (const std::string& r : roots_) {
    if (IsPathWithin(path, r)) return true;
  }
  return false;
}

Status ConfinedEnv::Check(std::string_view verb, const std::string& path) const {
  if (Contains(path)) return Status::OK();
  std::string where;
  for (const std::string& r : roots_) where += (where.empty() ? "" : ", ") + r;
  return Status::Refused("refused to " + std::string(verb) + " " + path + ": outside " + what_ +
                         " " + where);
}

Result<std::unique_ptr<WritableFile>> ConfinedEnv::NewWritableFile(const std::string& p,
                                                                   uint32_t mode) {
  FERRY_RETURN_IF_ERROR(Check("write", p));
  return EnvWrapper::NewWritableFile(p, mode);
}

Result<std::unique_ptr<WritableFile>> ConfinedEnv::NewAppendableFile(const std::string& p,
                                                                     uint32_t mode) {
  FERRY_RETURN_IF_ERROR(Check("write", p));
  return EnvWrapper::NewAppendableFile(p, mode);
}

Status ConfinedEnv::Chmod(const std::string& p, uint32_t mode) {
  FERRY_RETURN_IF_ERROR(Check("chmod", p));
  return EnvWrapper::Chmod(p, mode);
}

Status ConfinedEnv::Truncate(const std::string& p, uint64_t size) {
  FERRY_RETURN_IF_ERROR(Check("truncate", p));
  return EnvWrapper::Truncate(p, size);
}

Status ConfinedEnv::SetModificationTime(const std::string& p, int64_t mtime_ns) {
  FERRY_RETURN_IF_ERROR(Check("touch", p));
  return EnvWrapper::SetModificationTime(p, mtime_ns);
}

Status ConfinedEnv::RemoveFile(const std::string& p) {
  FERRY_RETURN_IF_ERROR(Check("remove", p));
  return EnvWrapper::RemoveFile(p);
}

Status ConfinedEnv::Rename(const std::string& from, const std::string& to) {
  FERRY_RETURN_IF_ERROR(Check("move", from));
  FERRY_RETURN_IF_ERROR(Check("replace", to));
  return EnvWrapper::Rename(from, to);
}

Status ConfinedEnv::CreateDir(const std::string& p, uint32_t mode) {
  // The roots' own ancestors may be made (`mkdir -p` of a new workspace).
  bool ancestor = false;
  for (const std::string& r : roots_) ancestor = ancestor || (!p.empty() && IsPathWithin(r, p));
  if (!ancestor) FERRY_RETURN_IF_ERROR(Check("create directory", p));
  return EnvWrapper::CreateDir(p, mode);
}

Status ConfinedEnv::RemoveDir(const std::string& p) {
  FERRY_RETURN_IF_ERROR(Check("remove directory", p));
  return EnvWrapper::RemoveDir(p);
}

Status ConfinedEnv::Symlink(const std::string& target, const std::string& link_path) {
  FERRY_RETURN_IF_ERROR(Check("create link", link_path));
  return EnvWrapper::Symlink(target, link_path);
}

Status ConfinedEnv::HardLink(const std::string& existing, const std::string& new_path) {
  FERRY_RETURN_IF_ERROR(Check("create link", new_path));
  return EnvWrapper::HardLink(existing, new_path);
}

Status ConfinedEnv::Reflink(const std::string& src, const std::string& dst) {
  FERRY_RETURN_IF_ERROR(Check("write", dst));
  return EnvWrapper::Reflink(src, dst);
}

Result<std::unique_ptr<FileLock>> ConfinedEnv::LockFile(const std::string& p,
                                                        const std::string& holder, bool wait) {
  FERRY_RETURN_IF_ERROR(Check("lock", p));
  return EnvWrapper::LockFile(p, holder, wait);
}

}  // namespace ferry
