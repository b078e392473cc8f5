#include "push/creation_status.h"

#include <nlohmann/json.hpp>

#include "base/file_util.h"
#include "base/path.h"

namespace ferry::push {
namespace {

// creation.json is small metadata; anything bigger is not the file we expect.
constexpr uint64_t kMaxCreationJsonBytes = 16 << 20;

}  // namespace

std::string CreationJsonPath(const std::string& run_dir, const std::string& cache_dir) {
  return JoinPath(JoinPath(run_dir, cache_dir), kCreationFileName);
}

Status SetRunSyncStatus(Env* env, const std::string& run_dir, const std::string& cache_dir,
                        std::string_view status) {
  const std::string dir = JoinPath(run_dir, cache_dir);
  const std::string path = CreationJsonPath(run_dir, cache_dir);
  FERRY_RETURN_IF_ERROR(CreateDirs(env, dir));
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<FileLock> lock,
                         env->LockFile(path + ".lock", "ferry push (sync_status)", true));
  nlohmann::ordered_json doc = nlohmann::ordered_json::object();
  Result<std::string> text = ReadFileToString(env, path, kMaxCreationJsonBytes);
  if (text.ok()) {
    doc = nlohmann::ordered_json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object()) {
      return Status::InvalidArgument(path +
                                     ": not a JSON object; sync_status not written (fix or "
                                     "remove the file, then enqueue the run again)");
    }
  } else if (!text.status().IsNotFound()) {
    return text.status();
  }
  doc["sync_status"] = std::string(status);
  return WriteFileAtomically(env, path, doc.dump(2) + "\n");
}

}  // namespace ferry::push
