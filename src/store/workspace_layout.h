// WorkspaceLayout: where every file of a pulled workspace lives (docs/DESIGN.md "Formats").
//
//   <root>/sync_state.json                  the record of what the last pull made
//   <root>/data/_shared/<table_id>.parquet  canonical tables, read-only, reference-counted
//                                           (a directory of part files for a partitioned table)
//   <root>/data/_direct/<name>.parquet      references for direct tables
//   <root>/data/<package_slug>/<name>.parquet   references for tables of a data package
//   <root>/data/views.sql                   DuckDB views over every reference
//   <root>/memory/<domain_slug>/bundle.md   memory bundles
//   <root>/.ferry/                          ferry's private area (lock, digest cache, partials)
//
// The layout is pure string arithmetic: it never touches the disk and never validates names.
// Callers pass only names that passed IsSafePathSegment (src/base/path.h), so no joined path
// can leave the root.
//
// Thread-safety: immutable after construction; share freely.
#ifndef FERRY_STORE_WORKSPACE_LAYOUT_H_
#define FERRY_STORE_WORKSPACE_LAYOUT_H_

#include <string>
#include <string_view>

namespace ferry {

class WorkspaceLayout {
 public:
  // `root` is made absolute by the caller; a trailing '/' is dropped.
  explicit WorkspaceLayout(std::string root);

  const std::string& root() const { return root_; }
  std::string state_path() const;    // <root>/sync_state.json
  std::string data_dir() const;      // <root>/data
  std::string shared_dir() const;    // <root>/data/_shared
  std::string direct_dir() const;    // <root>/data/_direct
  std::string package_dir(std::string_view slug) const;      // <root>/data/<slug>
  std::string shared_path(std::string_view table_id) const;  // <root>/data/_shared/<id>.parquet
  // <dir>/<name>.parquet, `dir` being direct_dir() or a package_dir().
  std::string reference_path(std::string_view dir, std::string_view name) const;
  std::string memory_dir() const;                         // <root>/memory
  std::string bundle_path(std::string_view slug) const;   // <root>/memory/<slug>/bundle.md
  std::string ferry_dir() const;                          // <root>/.ferry
  std::string partial_dir() const;                        // <root>/.ferry/partial
  std::string trash_dir() const;                          // <root>/.ferry/trash
  std::string lock_path() const;                          // <root>/.ferry/lock
  std::string digests_path() const;                       // <root>/.ferry/digests.json
  std::string views_sql_path() const;                     // <root>/data/views.sql

 private:
  std::string root_;
  std::string shared_dir_;  // computed once: shared_path() runs for every reference of a pull
};

inline constexpr std::string_view kSharedDirName = "_shared";
inline constexpr std::string_view kDirectDirName = "_direct";
inline constexpr std::string_view kParquetSuffix = ".parquet";

// True for the subdirectories of data/ that are not package slugs ("_shared", "_direct"): a
// package with such a slug would collide with the store itself, so the pull rejects it.
bool IsReservedDataDir(std::string_view name);

}  // namespace ferry

#endif  // FERRY_STORE_WORKSPACE_LAYOUT_H_
