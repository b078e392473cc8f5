#include "base/fault_injection_env.h"

#include <cerrno>
#include <cstring>
#include <utility>

namespace ferry {
namespace {

// The strerror text a real failure with this code would most likely carry.
std::string TextForCode(StatusCode code) {
  int err = 0;
  switch (code) {
    case StatusCode::kNoSpace: err = ENOSPC; break;
    case StatusCode::kIoError: err = EIO; break;
    case StatusCode::kPermissionDenied: err = EACCES; break;
    case StatusCode::kNotFound: err = ENOENT; break;
    case StatusCode::kAlreadyExists: err = EEXIST; break;
    case StatusCode::kNotSupported: err = EOPNOTSUPP; break;
    case StatusCode::kTooManyLinks: err = EMLINK; break;
    case StatusCode::kBusy: err = EWOULDBLOCK; break;
    default: return std::string(StatusCodeName(code));
  }
  char buf[256];
  return std::string(strerror_r(err, buf, sizeof(buf)));
}

std::string TwoPaths(std::string_view a, std::string_view b) {
  std::string s(a);
  s.append(" -> ").append(b);
  return s;
}

// Counts Append / Sync / Close of a file opened through the FaultInjectionEnv.
class FaultInjectionWritableFile final : public WritableFile {
 public:
  FaultInjectionWritableFile(FaultInjectionEnv* env, std::string path,
                             std::unique_ptr<WritableFile> target)
      : env_(env), path_(std::move(path)), target_(std::move(target)) {}

  Status Append(std::string_view data) override {
    FERRY_RETURN_IF_ERROR(env_->BeforeStep(FaultOp::kAppend, path_));
    return target_->Append(data);
  }
  Status Sync() override {
    FERRY_RETURN_IF_ERROR(env_->BeforeStep(FaultOp::kSync, path_));
    return target_->Sync();
  }
  Status Close() override {
    FERRY_RETURN_IF_ERROR(env_->BeforeStep(FaultOp::kClose, path_));
    return target_->Close();
  }

 private:
  FaultInjectionEnv* const env_;
  const std::string path_;
  std::unique_ptr<WritableFile> target_;
};

}  // namespace

std::string_view FaultOpName(FaultOp op) {
  switch (op) {
    case FaultOp::kOpenWrite: return "open";
    case FaultOp::kAppend: return "write";
    case FaultOp::kSync: return "fsync";
    case FaultOp::kClose: return "close";
    case FaultOp::kChmod: return "chmod";
    case FaultOp::kTruncate: return "truncate";
    case FaultOp::kSetTimes: return "utimensat";
    case FaultOp::kRemove: return "unlink";
    case FaultOp::kRename: return "rename";
    case FaultOp::kCreateDir: return "mkdir";
    case FaultOp::kRemoveDir: return "rmdir";
    case FaultOp::kSyncDir: return "fsync";
    case FaultOp::kSymlink: return "symlink";
    case FaultOp::kHardLink: return "link";
    case FaultOp::kReflink: return "reflink";
  }
  return "unknown";
}

void FaultInjectionEnv::FailNth(FaultOp op, int n, StatusCode code) {
  std::lock_guard<std::mutex> lock(mu_);
  nth_faults_.push_back(NthFault{op, n, code});
}

void FaultInjectionEnv::FailAlways(FaultOp op, StatusCode code) {
  std::lock_guard<std::mutex> lock(mu_);
  always_faults_[op] = code;
}

void FaultInjectionEnv::CrashAfterSteps(int64_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  crash_after_ = n;
}

void FaultInjectionEnv::SetFreeSpace(uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  free_space_ = bytes;
}

void FaultInjectionEnv::ClearFreeSpace() {
  std::lock_guard<std::mutex> lock(mu_);
  free_space_.reset();
}

Result<uint64_t> FaultInjectionEnv::FreeSpace(const std::string& path) {
  std::optional<uint64_t> injected;
  {
    std::lock_guard<std::mutex> lock(mu_);
    injected = free_space_;
  }
  // The target is asked either way: statvfs fails on a missing path, and so must this.
  FERRY_ASSIGN_OR_RETURN(uint64_t real, target()->FreeSpace(path));
  return injected.value_or(real);
}

int64_t FaultInjectionEnv::steps() const {
  std::lock_guard<std::mutex> lock(mu_);
  return steps_;
}

bool FaultInjectionEnv::crashed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return crashed_;
}

std::vector<std::string> FaultInjectionEnv::log() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_;
}

void FaultInjectionEnv::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  nth_faults_.clear();
  always_faults_.clear();
  calls_.clear();
  free_space_.reset();
  crash_after_ = -1;
  crashed_ = false;
  steps_ = 0;
  log_.clear();
}

Status FaultInjectionEnv::BeforeStep(FaultOp op, std::string_view path) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string what = std::string(FaultOpName(op)) + " " + std::string(path);
  if (crash_after_ >= 0 && steps_ >= crash_after_) {
    crashed_ = true;
    return Status::Cancelled("injected crash before " + what);
  }
  int call = ++calls_[op];
  for (auto it = nth_faults_.begin(); it != nth_faults_.end(); ++it) {
    if (it->op == op && it->n == call) {
      StatusCode code = it->code;
      nth_faults_.erase(it);
      return Status(code, what + ": " + TextForCode(code) + " (injected)");
    }
  }
  if (auto it = always_faults_.find(op); it != always_faults_.end()) {
    return Status(it->second, what + ": " + TextForCode(it->second) + " (injected)");
  }
  ++steps_;
  log_.push_back(std::move(what));
  return Status::OK();
}

Result<std::unique_ptr<WritableFile>> FaultInjectionEnv::NewWritableFile(const std::string& path,
                                                                         uint32_t mode) {
  FERRY_RETURN_IF_ERROR(BeforeStep(FaultOp::kOpenWrite, path));
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file,
                         target()->NewWritableFile(path, mode));
  return std::unique_ptr<WritableFile>(
      new FaultInjectionWritableFile(this, path, std::move(file)));
}

Result<std::unique_ptr<WritableFile>> FaultInjectionEnv::NewAppendableFile(
    const std::string& path, uint32_t mode) {
  FERRY_RETURN_IF_ERROR(BeforeStep(FaultOp::kOpenWrite, path));
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file,
                         target()->NewAppendableFile(path, mode));
  return std::unique_ptr<WritableFile>(
      new FaultInjectionWritableFile(this, path, std::move(file)));
}

Status FaultInjectionEnv::Chmod(const std::string& path, uint32_t mode) {
  FERRY_RETURN_IF_ERROR(BeforeStep(FaultOp::kChmod, path));
  return target()->Chmod(path, mode);
}

Status FaultInjectionEnv::Truncate(const std::string& path, uint64_t size) {
  FERRY_RETURN_IF_ERROR(BeforeStep(FaultOp::kTruncate, path));
  return target()->Truncate(path, size);
}

Status FaultInjectionEnv::SetModificationTime(const std::string& path, int64_t mtime_ns) {
  FERRY_RETURN_IF_ERROR(BeforeStep(FaultOp::kSetTimes, path));
  return target()->SetModificationTime(path, mtime_ns);
}

Status FaultInjectionEnv::RemoveFile(const std::string& path) {
  FERRY_RETURN_IF_ERROR(BeforeStep(FaultOp::kRemove, path));
  return target()->RemoveFile(path);
}

Status FaultInjectionEnv::Rename(const std::string& from, const std::string& to) {
  FERRY_RETURN_IF_ERROR(BeforeStep(FaultOp::kRename, TwoPaths(from, to)));
  return target()->Rename(from, to);
}

Status FaultInjectionEnv::CreateDir(const std::string& path, uint32_t mode) {
  FERRY_RETURN_IF_ERROR(BeforeStep(FaultOp::kCreateDir, path));
  return target()->CreateDir(path, mode);
}

Status FaultInjectionEnv::RemoveDir(const std::string& path) {
  FERRY_RETURN_IF_ERROR(BeforeStep(FaultOp::kRemoveDir, path));
  return target()->RemoveDir(path);
}

Status FaultInjectionEnv::SyncDir(const std::string& path) {
  FERRY_RETURN_IF_ERROR(BeforeStep(FaultOp::kSyncDir, path));
  return target()->SyncDir(path);
}

Status FaultInjectionEnv::Symlink(const std::string& target_path, const std::string& link_path) {
  FERRY_RETURN_IF_ERROR(BeforeStep(FaultOp::kSymlink, TwoPaths(link_path, target_path)));
  return target()->Symlink(target_path, link_path);
}

Status FaultInjectionEnv::HardLink(const std::string& existing, const std::string& new_path) {
  FERRY_RETURN_IF_ERROR(BeforeStep(FaultOp::kHardLink, TwoPaths(existing, new_path)));
  return target()->HardLink(existing, new_path);
}

Status FaultInjectionEnv::Reflink(const std::string& src, const std::string& dst) {
  FERRY_RETURN_IF_ERROR(BeforeStep(FaultOp::kReflink, TwoPaths(src, dst)));
  return target()->Reflink(src, dst);
}

}  // namespace ferry
