// FaultInjectionEnv: an EnvWrapper that fails chosen mutating operations, for crash and
// error-path tests (leveldb's FaultInjectionTestEnv / SpecialEnv).
//
// Every mutating operation is a "step": NewWritableFile / NewAppendableFile (kOpenWrite),
// WritableFile::Append / Sync / Close on files it opened (kAppend / kSync / kClose), Chmod,
// Truncate, SetModificationTime (kSetTimes), RemoveFile, Rename, CreateDir, RemoveDir, SyncDir,
// Symlink, HardLink, Reflink. Reads (open for reading, Stat, ListDir, ReadLink), locks and the
// clock are never steps and never fail here.
//
// Faults:
// - FailNth(op, n, code): the n-th call (1-based, counted since construction or Reset) of op
//   fails once, without reaching the target, with "<op> <path>: <strerror> (injected)".
// - FailAlways(op, code): every call of op fails that way.
// - CrashAfterSteps(n): steps 1..n run; step n+1 and every mutating call after it fail with
//   kCancelled "injected crash before <op> <path>" - the process has "died". Reads keep
//   working so the test can inspect the target, then recover with a fresh engine on target().
//   Every step before the crash reached the target, as if the kernel had kept everything; for
//   the other outcome a real crash allows, a test over a MemEnv then calls
//   MemEnv::SimulateCrash(kLoseUnsynced), which drops what was not synced.
// - SetFreeSpace(n): FreeSpace reports n for every path instead of asking the target (a nearly
//   full disk without filling one); ClearFreeSpace goes back to the target's answer.
// A step that fails by injection is not counted in steps() nor logged; a step forwarded to the
// target is counted and logged even if the target then fails.
//
// The usual crash test: run once cleanly and read steps() = N; then for k in 0..N-1, on a fresh
// target, CrashAfterSteps(k), run, and check the invariants after recovery.
//
// Thread-safety: all counters and faults sit behind a mutex; the wrapped Env's calls are made
// outside it.
#ifndef FERRY_BASE_FAULT_INJECTION_ENV_H_
#define FERRY_BASE_FAULT_INJECTION_ENV_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/env.h"

namespace ferry {

enum class FaultOp {
  kOpenWrite,
  kAppend,
  kSync,
  kClose,
  kChmod,
  kTruncate,
  kSetTimes,
  kRemove,
  kRename,
  kCreateDir,
  kRemoveDir,
  kSyncDir,
  kSymlink,
  kHardLink,
  kReflink,
};

// The POSIX call name a fault of this kind is reported as ("write" for kAppend, ...).
std::string_view FaultOpName(FaultOp op);

class FaultInjectionEnv : public EnvWrapper {
 public:
  explicit FaultInjectionEnv(Env* target) : EnvWrapper(target) {}

  void FailNth(FaultOp op, int n, StatusCode code);
  void FailAlways(FaultOp op, StatusCode code);
  void CrashAfterSteps(int64_t n);
  void SetFreeSpace(uint64_t bytes);
  void ClearFreeSpace();
  int64_t steps() const;
  bool crashed() const;  // a step has been refused by CrashAfterSteps
  std::vector<std::string> log() const;  // "<op> <path>" per step, in order
  void Reset();  // forgets faults, the free-space override, the crash point, counters, the log

  // Called before every step (also by the wrapped WritableFiles): OK to go ahead, or the
  // injected failure.
  Status BeforeStep(FaultOp op, std::string_view path);

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                        uint32_t mode = 0644) override;
  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path,
                                                          uint32_t mode = 0644) override;
  Status Chmod(const std::string& path, uint32_t mode) override;
  Status Truncate(const std::string& path, uint64_t size) override;
  Status SetModificationTime(const std::string& path, int64_t mtime_ns) override;
  Result<uint64_t> FreeSpace(const std::string& path) override;
  Status RemoveFile(const std::string& path) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status CreateDir(const std::string& path, uint32_t mode = 0755) override;
  Status RemoveDir(const std::string& path) override;
  Status SyncDir(const std::string& path) override;
  Status Symlink(const std::string& target, const std::string& link_path) override;
  Status HardLink(const std::string& existing, const std::string& new_path) override;
  Status Reflink(const std::string& src, const std::string& dst) override;

 private:
  struct NthFault {
    FaultOp op;
    int n;
    StatusCode code;
  };

  mutable std::mutex mu_;
  std::vector<NthFault> nth_faults_;
  std::map<FaultOp, StatusCode> always_faults_;
  std::map<FaultOp, int> calls_;
  int64_t crash_after_ = -1;  // -1: no crash planned
  std::optional<uint64_t> free_space_;  // unset: the target's answer
  bool crashed_ = false;
  int64_t steps_ = 0;
  std::vector<std::string> log_;
};

}  // namespace ferry

#endif  // FERRY_BASE_FAULT_INJECTION_ENV_H_
