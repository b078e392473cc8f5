#include "push/scan.h"

#include <algorithm>

#include "base/path.h"
#include "push/enqueue.h"
#include "push/run_manifest.h"

namespace ferry::push {
namespace {

bool Exists(Env* env, const std::string& path) {
  Result<FileInfo> info = env->Stat(path);
  return info.ok() && info->type == FileType::kRegular;
}

bool HasSignal(Env* env, const PushConfig& config, const EquipmentConfig& eq,
               const std::string& dir) {
  switch (eq.completeness) {
    case CompletenessSignal::kSentinelFile:
      return Exists(env, JoinPath(dir, eq.sentinel_filename));
    case CompletenessSignal::kManifest:
      return Exists(env, RunManifestPath(dir, config.cache_dir));
  }
  return false;
}

Status Walk(Env* env, const PushConfig& config, const EquipmentConfig& eq, const std::string& dir,
            int depth, std::vector<std::string>* runs) {
  Result<std::vector<DirEntry>> entries = env->ListDir(dir);
  if (!entries.ok()) {
    if (entries.status().IsNotFound()) return Status::OK();
    return entries.status();
  }
  for (const DirEntry& e : *entries) {
    if (e.type != FileType::kDirectory || e.name == config.cache_dir) continue;
    const std::string child = JoinPath(dir, e.name);
    if (HasSignal(env, config, eq, child)) {
      runs->push_back(child);
    } else if (depth < kMaxScanDepth) {
      FERRY_RETURN_IF_ERROR(Walk(env, config, eq, child, depth + 1, runs));
    }
  }
  return Status::OK();
}

}  // namespace

Result<std::vector<std::string>> FindCompleteRuns(Env* env, const PushConfig& config,
                                                  const EquipmentConfig& equipment) {
  std::vector<std::string> runs;
  FERRY_RETURN_IF_ERROR(
      Walk(env, config, equipment, JoinPath(equipment.local_root, equipment.id), 1, &runs));
  std::sort(runs.begin(), runs.end());
  return runs;
}

Result<ScanReport> ScanAndEnqueue(Env* env, JobQueue* queue, const PushConfig& config) {
  ScanReport report;
  for (const EquipmentConfig& eq : config.equipment) {
    Result<std::vector<std::string>> runs = FindCompleteRuns(env, config, eq);
    if (!runs.ok()) {
      report.errors.push_back("equipment '" + eq.id + "': " + runs.status().message());
      continue;
    }
    for (const std::string& run : *runs) {
      FERRY_ASSIGN_OR_RETURN(std::optional<Job> existing, queue->FindByRunPath(run));
      if (existing.has_value()) continue;
      Result<EnqueueOutcome> out = EnqueueRun(env, queue, config, run);
      if (out.ok()) {
        report.enqueued.push_back(out->job);
      } else if (out.status().code() == StatusCode::kConflict) {
        report.blocked.push_back(out.status().message());
      } else {
        report.errors.push_back(out.status().message());
      }
    }
  }
  return report;
}

}  // namespace ferry::push
