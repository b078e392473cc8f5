// YAML helpers over yaml-cpp that turn the library's exceptions into Status values.
//
// A syntax error becomes kInvalidArgument "<what>:<line>:<col>: <yaml-cpp's message>" with a
// 1-based line and column, the form editors and compilers use, so a user can jump to it.
//
// Thread-safety: pure functions (ParseYamlFile is as safe as the Env).
#ifndef FERRY_BASE_YAML_UTIL_H_
#define FERRY_BASE_YAML_UTIL_H_

#include <cstdint>
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "ferry/env.h"
#include "ferry/status.h"

namespace ferry {

// Parses one document. An empty text yields a null node.
Result<YAML::Node> ParseYaml(std::string_view text, std::string_view what);

// Reads `path` (at most max_bytes, see ReadFileToString) and parses it; messages name path.
Result<YAML::Node> ParseYamlFile(Env* env, const std::string& path,
                                 uint64_t max_bytes = 16 * 1024 * 1024);

}  // namespace ferry

#endif  // FERRY_BASE_YAML_UTIL_H_
