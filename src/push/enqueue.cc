#include "push/enqueue.h"

#include <nlohmann/json.hpp>

#include "base/file_util.h"
#include "push/creation_status.h"

namespace ferry::push {
namespace {

constexpr uint64_t kMaxCreationJsonBytes = 16 << 20;

}  // namespace

Result<std::vector<GateOverride>> ReadRunOverrides(Env* env, const std::string& run_dir,
                                                   const std::string& cache_dir) {
  const std::string path = CreationJsonPath(run_dir, cache_dir);
  Result<std::string> text = ReadFileToString(env, path, kMaxCreationJsonBytes);
  if (!text.ok()) {
    if (text.status().IsNotFound()) return std::vector<GateOverride>{};
    return text.status();
  }
  nlohmann::json doc = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::InvalidArgument(path + ": not a JSON object; fix or remove the file");
  }
  Result<std::vector<GateOverride>> overrides = ParseOverrides(doc);
  if (!overrides.ok()) return overrides.status().WithContext(path);
  return overrides;
}

Result<GateVerdict> CheckRunGate(Env* env, const PushConfig& config, const RunLocation& location,
                                 int64_t now) {
  FERRY_ASSIGN_OR_RETURN(std::vector<GateOverride> overrides,
                         ReadRunOverrides(env, location.run_path, config.cache_dir));
  return EvaluateGate(CheckRunPath(location.below_root), overrides, now);
}

std::string GateBlockMessage(const std::string& run_path, const GateVerdict& verdict) {
  std::string msg = "run " + run_path + " is blocked by the Pre-Sync Gate";
  if (!verdict.blocking.empty()) {
    msg += ": " + verdict.blocking.front().rule + ": " + verdict.blocking.front().message;
    if (verdict.blocking.size() > 1) {
      msg += " (and " + std::to_string(verdict.blocking.size() - 1) + " more finding(s))";
    }
  }
  return msg + "; or add a validation override to its creation.json";
}

Status RefuseBlockedRun(Env* env, const PushConfig& config, const std::string& run_path,
                        const GateVerdict& verdict) {
  Status marked = SetRunSyncStatus(env, run_path, config.cache_dir, kBlockedByValidation);
  std::string msg = GateBlockMessage(run_path, verdict);
  if (!marked.ok()) msg += " (creation.json not updated: " + marked.message() + ")";
  return Status::Conflict(msg);
}

Result<EnqueueOutcome> EnqueueRun(Env* env, JobQueue* queue, const PushConfig& config,
                                  const std::string& run_path) {
  FERRY_ASSIGN_OR_RETURN(RunLocation location, LocateRun(config, run_path));
  Result<FileInfo> info = env->Stat(location.run_path);
  if (!info.ok() || info->type != FileType::kDirectory) {
    return Status::NotFound("run " + location.run_path +
                            " is not a directory; pass the path of an existing run dir");
  }
  FERRY_ASSIGN_OR_RETURN(GateVerdict verdict,
                         CheckRunGate(env, config, location, queue->NowSeconds()));
  if (!verdict.eligible) return RefuseBlockedRun(env, config, location.run_path, verdict);
  FERRY_ASSIGN_OR_RETURN(
      Job job, queue->Enqueue(location.run_path, location.equipment->id, location.nas_path));
  return EnqueueOutcome{std::move(job), std::move(verdict)};
}

}  // namespace ferry::push
