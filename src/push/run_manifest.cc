#include "push/run_manifest.h"

#include <algorithm>

#include "base/checksum_list.h"
#include "base/file_util.h"
#include "base/parallel_hash.h"
#include "base/path.h"

namespace ferry::push {
namespace {

// Depth-first walk collecting regular files; `relative` is the path of `dir` below the run.
Status Walk(Env* env, const std::string& run_dir, const std::string& relative,
            const std::string& cache_dir, std::vector<RunFile>* out) {
  const std::string dir = relative.empty() ? run_dir : JoinPath(run_dir, relative);
  FERRY_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, env->ListDir(dir));
  for (const DirEntry& e : entries) {
    if (relative.empty() && e.name == cache_dir) continue;
    const std::string rel = relative.empty() ? e.name : relative + "/" + e.name;
    if (e.type == FileType::kDirectory) {
      FERRY_RETURN_IF_ERROR(Walk(env, run_dir, rel, cache_dir, out));
    } else if (e.type == FileType::kRegular) {
      FERRY_ASSIGN_OR_RETURN(FileInfo info, env->LinkStat(JoinPath(run_dir, rel)));
      out->push_back({rel, info.size});
    } else {
      return Status::NotSupported("run " + run_dir + " holds " + rel +
                                  ", which is not a regular file or directory (a symlink or "
                                  "special file); ferry push copies regular files only: replace "
                                  "it with the file it stands for, or move it out of the run");
    }
  }
  return Status::OK();
}

}  // namespace

std::string RunManifestPath(const std::string& run_dir, const std::string& cache_dir) {
  return JoinPath(JoinPath(run_dir, cache_dir), kRunManifestName);
}

Result<std::vector<RunFile>> ListRunFiles(Env* env, const std::string& run_dir,
                                          const std::string& cache_dir) {
  std::vector<RunFile> files;
  FERRY_RETURN_IF_ERROR(Walk(env, run_dir, "", cache_dir, &files));
  // ListDir sorts each directory by name, but "a.txt" < "a/b" bytewise while the walk visits
  // directory a before file a.txt: sort the whole list once.
  std::sort(files.begin(), files.end(),
            [](const RunFile& a, const RunFile& b) { return a.path < b.path; });
  return files;
}

Result<std::vector<ManifestEntry>> HashRunFiles(Env* env, const std::string& run_dir,
                                                const std::vector<RunFile>& files, size_t threads) {
  std::vector<HashJob> jobs;
  jobs.reserve(files.size());
  for (const RunFile& f : files)
    jobs.push_back({JoinPath(run_dir, f.path), HashAlgorithm::kSha256});
  std::vector<ManifestEntry> entries;
  entries.reserve(files.size());
  Status first_error;
  ParallelHashFiles(env, jobs, threads, [&](size_t i, Result<std::string> digest) {
    if (!first_error.ok()) return;
    if (!digest.ok()) {
      first_error = digest.status();
      return;
    }
    entries.push_back({files[i].path, std::move(digest).value(), files[i].size});
  });
  if (!first_error.ok()) return first_error;
  return entries;
}

std::string FormatRunManifest(const std::vector<ManifestEntry>& entries) {
  std::string text;
  for (const ManifestEntry& e : entries) text += FormatChecksumLine(e.sha256, e.path);
  return text;
}

Result<std::vector<ManifestEntry>> WriteRunManifest(Env* env, const std::string& run_dir,
                                                    const std::string& cache_dir, size_t threads) {
  FERRY_ASSIGN_OR_RETURN(std::vector<RunFile> files, ListRunFiles(env, run_dir, cache_dir));
  FERRY_ASSIGN_OR_RETURN(std::vector<ManifestEntry> entries,
                         HashRunFiles(env, run_dir, files, threads));
  FERRY_RETURN_IF_ERROR(CreateDirs(env, JoinPath(run_dir, cache_dir)));
  FERRY_RETURN_IF_ERROR(env->SyncDir(run_dir));  // the cache dir's entry, if it was just made
  FERRY_RETURN_IF_ERROR(
      WriteFileAtomically(env, RunManifestPath(run_dir, cache_dir), FormatRunManifest(entries)));
  return entries;
}

}  // namespace ferry::push
