#include "push/local_verify.h"

namespace ferry::push {

Result<RemoteVerification> VerifyLocalCopy(Env* env, const std::string& run_dir,
                                           const std::string& dest_dir,
                                           const std::string& cache_dir, size_t threads) {
  FERRY_ASSIGN_OR_RETURN(std::vector<ManifestEntry> manifest,
                         ReadRunManifest(env, run_dir, cache_dir));
  std::vector<ManifestEntry> copy;
  Result<std::vector<RunFile>> files = ListRunFiles(env, dest_dir, cache_dir);
  if (files.ok()) {
    FERRY_ASSIGN_OR_RETURN(copy, HashRunFiles(env, dest_dir, *files, threads));
  } else if (!files.status().IsNotFound()) {
    return files.status();
  }
  RemoteVerification v;
  v.report = CompareWithManifest(manifest, copy);
  if (v.report.passed()) {
    v.attempt.outcome = RemoteAttempt::Outcome::kDone;
  } else {
    v.attempt.outcome = RemoteAttempt::Outcome::kFailed;
    v.attempt.failure = {FailureKind::kHashMismatch,
                         "NAS copy " + dest_dir + ": " + v.report.Summary()};
  }
  return v;
}

Result<std::vector<RemoteFile>> ListLocalCopy(Env* env, const std::string& dest_dir) {
  std::vector<RemoteFile> out;
  Result<std::vector<RunFile>> files = ListRunFiles(env, dest_dir, "");
  if (!files.ok()) {
    if (files.status().IsNotFound()) return out;
    return files.status();
  }
  for (RunFile& f : *files) out.push_back({std::move(f.path), f.size});
  return out;
}

}  // namespace ferry::push
