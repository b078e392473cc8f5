#include "store/workspace_layout.h"

#include <utility>

#include "base/path.h"

namespace ferry {

WorkspaceLayout::WorkspaceLayout(std::string root) : root_(std::move(root)) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
  shared_dir_ = JoinPath(data_dir(), kSharedDirName);
}

std::string WorkspaceLayout::state_path() const { return JoinPath(root_, "sync_state.json"); }
std::string WorkspaceLayout::data_dir() const { return JoinPath(root_, "data"); }
std::string WorkspaceLayout::shared_dir() const { return shared_dir_; }
std::string WorkspaceLayout::direct_dir() const { return JoinPath(data_dir(), kDirectDirName); }

std::string WorkspaceLayout::package_dir(std::string_view slug) const {
  return JoinPath(data_dir(), slug);
}

std::string WorkspaceLayout::shared_path(std::string_view table_id) const {
  std::string path;
  path.reserve(shared_dir_.size() + 1 + table_id.size() + kParquetSuffix.size());
  path.append(shared_dir_).append("/").append(table_id).append(kParquetSuffix);
  return path;
}

std::string WorkspaceLayout::reference_path(std::string_view dir, std::string_view name) const {
  return JoinPath(dir, std::string(name) + std::string(kParquetSuffix));
}

std::string WorkspaceLayout::memory_dir() const { return JoinPath(root_, "memory"); }

std::string WorkspaceLayout::bundle_path(std::string_view slug) const {
  return JoinPath(JoinPath(memory_dir(), slug), "bundle.md");
}

std::string WorkspaceLayout::ferry_dir() const { return JoinPath(root_, ".ferry"); }
std::string WorkspaceLayout::partial_dir() const { return JoinPath(ferry_dir(), "partial"); }
std::string WorkspaceLayout::trash_dir() const { return JoinPath(ferry_dir(), "trash"); }
std::string WorkspaceLayout::lock_path() const { return JoinPath(ferry_dir(), "lock"); }
std::string WorkspaceLayout::digests_path() const { return JoinPath(ferry_dir(), "digests.json"); }
std::string WorkspaceLayout::views_sql_path() const { return JoinPath(data_dir(), "views.sql"); }

bool IsReservedDataDir(std::string_view name) {
  return name == kSharedDirName || name == kDirectDirName;
}

}  // namespace ferry
