#include "cli/ca_bundle.h"

#include <cstdlib>
#include <memory>

namespace ferry::cli {

Result<std::string> ResolveCaBundle(Env* env, const std::string& cacert_flag) {
  const char* from_env = std::getenv("FERRY_CA_BUNDLE");
  const std::string path =
      !cacert_flag.empty() ? cacert_flag : (from_env != nullptr ? from_env : "");
  if (path.empty()) return std::string();
  Result<std::unique_ptr<SequentialFile>> file = env->NewSequentialFile(path);
  if (!file.ok()) {
    return Status::InvalidArgument(file.status().message())
        .WithContext(!cacert_flag.empty() ? "--cacert" : "$FERRY_CA_BUNDLE");
  }
  return path;
}

}  // namespace ferry::cli
