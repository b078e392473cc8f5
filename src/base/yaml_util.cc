#include "base/yaml_util.h"

#include "base/file_util.h"

namespace ferry {

Result<YAML::Node> ParseYaml(std::string_view text, std::string_view what) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    std::string msg(what);
    if (!e.mark.is_null()) {
      msg += ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1);
    }
    msg += ": " + e.msg;
    return Status::InvalidArgument(std::move(msg));
  }
}

Result<YAML::Node> ParseYamlFile(Env* env, const std::string& path, uint64_t max_bytes) {
  FERRY_ASSIGN_OR_RETURN(std::string text, ReadFileToString(env, path, max_bytes));
  return ParseYaml(text, path);
}

}  // namespace ferry
