#include "serve/memory_items.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

#include "base/file_util.h"
#include "base/path.h"
#include "base/yaml_util.h"

namespace ferry::serve {
namespace {

constexpr uint64_t kMaxItemBytes = 4 << 20;

bool IsDelimiter(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  return line == "---";
}

// A scalar field of the front matter, or "" when absent.
Result<std::string> ScalarField(const YAML::Node& node, const char* key, const std::string& label) {
  const YAML::Node v = node[key];
  if (!v) return std::string();
  if (!v.IsScalar()) {
    return Status::InvalidArgument(label + ":" + std::to_string(v.Mark().line + 1) + ": '" + key +
                                   "' must be a plain value");
  }
  return v.Scalar();
}

}  // namespace

Result<MemoryItem> ParseMemoryItem(const std::string& text, const std::string& label) {
  // Split "---\n<front matter>\n---\n<content>".
  size_t pos = text.find('\n');
  if (pos == std::string::npos || !IsDelimiter(std::string_view(text).substr(0, pos))) {
    return Status::InvalidArgument(label +
                                   ":1: memory item must start with a '---' front matter line");
  }
  size_t front_begin = pos + 1;
  size_t line_start = front_begin;
  size_t content_begin = std::string::npos;
  size_t front_end = 0;
  while (line_start <= text.size()) {
    size_t nl = text.find('\n', line_start);
    size_t line_end = nl == std::string::npos ? text.size() : nl;
    if (IsDelimiter(std::string_view(text).substr(line_start, line_end - line_start))) {
      front_end = line_start;
      content_begin = nl == std::string::npos ? text.size() : nl + 1;
      break;
    }
    if (nl == std::string::npos) break;
    line_start = nl + 1;
  }
  if (content_begin == std::string::npos) {
    return Status::InvalidArgument(label + ":1: memory item's front matter has no closing '---'");
  }
  // A leading newline keeps the YAML parser's line numbers equal to the file's.
  FERRY_ASSIGN_OR_RETURN(
      YAML::Node front, ParseYaml("\n" + text.substr(front_begin, front_end - front_begin), label));
  if (!front.IsMap()) {
    return Status::InvalidArgument(label + ":2: memory item's front matter must be a mapping");
  }
  MemoryItem item;
  FERRY_ASSIGN_OR_RETURN(item.id, ScalarField(front, "id", label));
  FERRY_ASSIGN_OR_RETURN(item.title, ScalarField(front, "title", label));
  FERRY_ASSIGN_OR_RETURN(item.status, ScalarField(front, "status", label));
  FERRY_ASSIGN_OR_RETURN(std::string required, ScalarField(front, "is_required", label));
  if (item.id.empty()) {
    return Status::InvalidArgument(label + ":2: memory item has no 'id' in its front matter");
  }
  if (!IsSafePathSegment(item.id)) {
    return Status::InvalidArgument(label + ":" + std::to_string(front["id"].Mark().line + 1) +
                                   ": memory item id '" + item.id +
                                   "' is not a safe name (letters, digits, '_', '.', '-')");
  }
  if (required.empty() || required == "false" || required == "False" || required == "no") {
    item.is_required = false;
  } else if (required == "true" || required == "True" || required == "yes") {
    item.is_required = true;
  } else {
    return Status::InvalidArgument(label + ":" +
                                   std::to_string(front["is_required"].Mark().line + 1) +
                                   ": is_required must be true or false, not '" + required + "'");
  }
  std::string content = text.substr(content_begin);
  size_t first = content.find_first_not_of("\r\n");
  content = first == std::string::npos ? std::string() : content.substr(first);
  while (!content.empty() && (content.back() == '\n' || content.back() == '\r' ||
                              content.back() == ' ' || content.back() == '\t')) {
    content.pop_back();
  }
  item.content = std::move(content);
  return item;
}

Result<std::vector<MemoryItem>> LoadMemoryItems(Env* env, const std::string& dir) {
  FERRY_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, env->ListDir(dir));
  std::vector<MemoryItem> items;
  std::set<std::string> ids;
  for (const DirEntry& e : entries) {
    if (e.type != FileType::kRegular || e.name.size() < 4 ||
        e.name.compare(e.name.size() - 3, 3, ".md") != 0) {
      continue;
    }
    const std::string path = JoinPath(dir, e.name);
    FERRY_ASSIGN_OR_RETURN(std::string text, ReadFileToString(env, path, kMaxItemBytes));
    FERRY_ASSIGN_OR_RETURN(MemoryItem item, ParseMemoryItem(text, path));
    if (!ids.insert(item.id).second) {
      return Status::InvalidArgument(path + ": duplicate memory item id '" + item.id + "' in " +
                                     dir);
    }
    items.push_back(std::move(item));
  }
  std::sort(items.begin(), items.end(),
            [](const MemoryItem& a, const MemoryItem& b) { return a.id < b.id; });
  return items;
}

}  // namespace ferry::serve
