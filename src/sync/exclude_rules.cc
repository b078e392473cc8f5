#include "sync/exclude_rules.h"

namespace ferry::sync {

bool GlobMatch(std::string_view pattern, std::string_view text) {
  while (!pattern.empty()) {
    if (pattern.substr(0, 2) == "**") {
      size_t stars = pattern.find_first_not_of('*');
      std::string_view rest = stars == std::string_view::npos ? "" : pattern.substr(stars);
      // "a/**/b" must also match "a/b": the "**/" may stand for no directory at all.
      if (rest.substr(0, 1) == "/" && GlobMatch(rest.substr(1), text)) return true;
      for (size_t i = 0; i <= text.size(); ++i) {
        if (GlobMatch(rest, text.substr(i))) return true;
      }
      return false;
    }
    if (pattern.front() == '*') {
      std::string_view rest = pattern.substr(1);
      for (size_t i = 0; i <= text.size(); ++i) {
        if (GlobMatch(rest, text.substr(i))) return true;
        if (i < text.size() && text[i] == '/') return false;
      }
      return false;
    }
    if (text.empty()) return false;
    if (pattern.front() == '?' ? text.front() == '/' : pattern.front() != text.front()) {
      return false;
    }
    pattern.remove_prefix(1);
    text.remove_prefix(1);
  }
  return text.empty();
}

Status ExcludeRules::Add(std::string_view pattern) {
  Rule rule;
  std::string_view body = pattern;
  if (!body.empty() && body.front() == '/') {
    rule.anchored = true;
    body.remove_prefix(1);
  }
  if (!body.empty() && body.back() == '/') {
    rule.dirs_only = true;
    while (!body.empty() && body.back() == '/') body.remove_suffix(1);
  }
  if (body.empty()) {
    return Status::InvalidArgument("--exclude '" + std::string(pattern) +
                                   "': matches nothing (give a name or glob, e.g. '*.tmp' or "
                                   "'/build/')");
  }
  rule.body = std::string(body);
  rules_.push_back(std::move(rule));
  return Status::OK();
}

bool ExcludeRules::Matches(std::string_view path, bool is_dir) const {
  for (const Rule& rule : rules_) {
    if (rule.dirs_only && !is_dir) continue;
    if (rule.anchored) {
      if (GlobMatch(rule.body, path)) return true;
      continue;
    }
    for (size_t start = 0; start != std::string_view::npos;) {
      if (GlobMatch(rule.body, path.substr(start))) return true;
      size_t slash = path.find('/', start);
      start = slash == std::string_view::npos ? slash : slash + 1;
    }
  }
  return false;
}

bool ExcludeRules::Excludes(std::string_view path, EntryKind kind) const {
  if (rules_.empty()) return false;
  for (size_t slash = path.find('/'); slash != std::string_view::npos;
       slash = path.find('/', slash + 1)) {
    if (Matches(path.substr(0, slash), /*is_dir=*/true)) return true;
  }
  return Matches(path, kind == EntryKind::kDir);
}

}  // namespace ferry::sync
