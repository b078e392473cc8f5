#include "store/workspace_lock.h"

#include <time.h>
#include <unistd.h>

#include "base/file_util.h"

namespace ferry {
namespace {

// The lock file holds the holder's text; anything longer is not ours to show.
constexpr uint64_t kMaxHolderBytes = 4096;

std::string TrimLine(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  size_t nl = s.find('\n');
  if (nl != std::string::npos) s.resize(nl);
  return s;
}

}  // namespace

std::string FormatUtcIso8601(int64_t unix_nanos) {
  time_t secs = static_cast<time_t>(unix_nanos / 1000000000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[32];
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string WorkspaceLockHolder(int64_t pid, const std::string& command, int64_t unix_nanos) {
  return "pid " + std::to_string(pid) + " (ferry " + command + ") since " +
         FormatUtcIso8601(unix_nanos);
}

Result<std::unique_ptr<FileLock>> LockWorkspace(Env* env, const WorkspaceLayout& layout,
                                                const std::string& command, bool wait) {
  FERRY_RETURN_IF_ERROR(CreateDirs(env, layout.ferry_dir()));
  std::string holder = WorkspaceLockHolder(static_cast<int64_t>(::getpid()), command,
                                           env->NowUnixNanos());
  Result<std::unique_ptr<FileLock>> lock = env->LockFile(layout.lock_path(), holder, wait);
  if (lock.ok() || lock.status().code() != StatusCode::kBusy) return lock;
  // The holder wrote its own line into the lock file (advisory locks do not stop reads).
  std::string who;
  Result<std::string> text = ReadFileToString(env, layout.lock_path(), kMaxHolderBytes);
  if (text.ok()) who = TrimLine(*text);
  if (who.empty()) who = "another process";
  return Status::Busy("workspace " + layout.root() + " is in use by " + who +
                      "; wait for it or pass --wait");
}

}  // namespace ferry
