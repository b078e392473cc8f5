// WorkspaceLock: one ferry process per workspace at a time.
//
// An advisory lock (Env::LockFile, flock(2) on POSIX) on <root>/.ferry/lock whose file names
// the holder: "pid <pid> (ferry <command>) since <UTC ISO-8601 time>". The kernel releases it
// when the holder exits or dies, so a crashed pull never leaves a stale lock behind.
//
// Thread-safety: LockWorkspace may be called from any thread; the returned lock is released
// by destroying it.
#ifndef FERRY_STORE_WORKSPACE_LOCK_H_
#define FERRY_STORE_WORKSPACE_LOCK_H_

#include <cstdint>
#include <memory>
#include <string>

#include "ferry/env.h"
#include "ferry/status.h"
#include "store/workspace_layout.h"

namespace ferry {

// Creates <root>/.ferry if needed and takes the lock. With wait=false and the lock held:
// kBusy "workspace <root> is in use by pid 4242 (ferry pull) since 2026-01-01T00:00:00Z; wait
// for it or pass --wait". With wait=true: blocks until the holder releases it.
Result<std::unique_ptr<FileLock>> LockWorkspace(Env* env, const WorkspaceLayout& layout,
                                                const std::string& command, bool wait);

// "pid <pid> (ferry <command>) since <time>": the text a lock holder leaves in the lock file.
std::string WorkspaceLockHolder(int64_t pid, const std::string& command, int64_t unix_nanos);

// 2026-01-01T00:00:00Z for the given Unix time in nanoseconds (UTC, seconds precision).
std::string FormatUtcIso8601(int64_t unix_nanos);

}  // namespace ferry

#endif  // FERRY_STORE_WORKSPACE_LOCK_H_
