#include "push/run_cleanup.h"

#include <functional>
#include <optional>
#include <set>

#include "base/file_util.h"
#include "base/path.h"

namespace ferry::push {
namespace {

// Removes `dir` and every directory below it that holds nothing but (recursively) empty
// directories; keeps `keep` and anything with a file in it. Returns whether `dir` went.
Result<bool> RemoveEmptyDirs(Env* env, const std::string& dir, const std::string& keep) {
  if (dir == keep) return false;
  FERRY_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, env->ListDir(dir));
  bool empty = true;
  for (const DirEntry& e : entries) {
    if (e.type != FileType::kDirectory) {
      empty = false;
      continue;
    }
    FERRY_ASSIGN_OR_RETURN(bool gone, RemoveEmptyDirs(env, JoinPath(dir, e.name), keep));
    if (!gone) empty = false;
  }
  if (!empty) return false;
  FERRY_RETURN_IF_ERROR(env->RemoveDir(dir));
  return true;
}

// The first file below run_dir (the cache dir aside) that is not in `verified`, or "".
Result<std::string> FirstUnverifiedFile(Env* env, const std::string& run_dir,
                                        const std::string& cache_dir,
                                        const std::set<std::string>& verified) {
  Result<std::vector<RunFile>> left = ListRunFiles(env, run_dir, cache_dir);
  if (!left.ok()) {
    if (left.status().IsNotFound()) return std::string();
    return left.status();
  }
  for (const RunFile& f : *left) {
    if (verified.count(f.path) == 0) return f.path;
  }
  return std::string();
}

// Makes the removals durable: fsyncs every directory that lost an entry and still exists,
// deepest first (a run dir that went is synced in its parent). Without it a crash after the job
// is `cleaned` could bring deleted files back, and nothing would ever clean them again.
Status SyncTouchedDirs(Env* env, const std::string& run_dir, const std::vector<RunFile>& removed) {
  std::set<std::string, std::greater<std::string>> dirs;  // reverse order: children first
  const std::string run_parent = DirName(run_dir);
  for (const RunFile& f : removed) {
    std::string dir = JoinPath(run_dir, f.path);
    do {
      dir = DirName(dir);
      dirs.insert(dir);
    } while (dir != run_dir && dir.size() > run_dir.size());
  }
  dirs.insert(run_dir);
  dirs.insert(run_parent);
  for (const std::string& dir : dirs) {
    Status s = env->SyncDir(dir);
    if (!s.ok() && !s.IsNotFound()) return s;
  }
  return Status::OK();
}

}  // namespace

Status DeleteVerifiedRunFiles(Env* env, const std::string& run_dir,
                              const std::vector<RunFile>& verified_files,
                              const CleanupOptions& options) {
  std::set<std::string> verified;
  for (const RunFile& f : verified_files) {
    verified.insert(f.path);
    Status s = env->RemoveFile(JoinPath(run_dir, f.path));
    if (!s.ok() && !s.IsNotFound()) return s;
  }
  FERRY_ASSIGN_OR_RETURN(std::string stray,
                         FirstUnverifiedFile(env, run_dir, options.cache_dir, verified));
  if (!stray.empty()) {
    return Status::Refused(
        JoinPath(run_dir, stray) +
        ": not in the verified NAS listing (written after the verification?); left in place, "
        "the run will be verified again");
  }
  const std::string cache = JoinPath(run_dir, options.cache_dir);
  if (!options.retain_cache) FERRY_RETURN_IF_ERROR(RemoveTree(env, cache));
  Result<bool> gone = RemoveEmptyDirs(env, run_dir, options.retain_cache ? cache : "");
  if (!gone.ok() && !gone.status().IsNotFound()) return gone.status();
  return SyncTouchedDirs(env, run_dir, verified_files);
}

Result<Job> CleanUpJob(JobQueue* queue, Env* env, const Job& job,
                       const std::vector<RunFile>& verified_files, const CleanupOptions& options) {
  // Check the stored state before deleting anything: the queue's own check comes after the
  // deletion, too late to keep the files of a job that was re-queued meanwhile.
  FERRY_ASSIGN_OR_RETURN(std::optional<Job> stored, queue->Get(job.id));
  if (!stored.has_value()) return Status::NotFound("no push job " + std::to_string(job.id));
  if (stored->state != JobState::kCleanupEligible) {
    return Status::Refused("job " + std::to_string(job.id) + " is " +
                           std::string(JobStateName(stored->state)) +
                           ", not cleanup_eligible; nothing deleted");
  }
  Status deleted = DeleteVerifiedRunFiles(env, job.run_path, verified_files, options);
  JobChange change;
  if (deleted.ok()) {
    change.to = JobState::kCleaned;
  } else {
    change.to = JobState::kCleanupEligible;  // an update: the job stays where it is
    change.last_error = "cleanup: " + deleted.message();
  }
  return queue->Apply(job.id, JobState::kCleanupEligible, change);
}

}  // namespace ferry::push
