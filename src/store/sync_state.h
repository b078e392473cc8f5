// SyncState: sync_state.json, the record of what the last pull made in a workspace.
//
// The file keeps the seed engine's keys exactly, so readers written for the seed keep working:
//
//   { "direct_tables":  { "<name>": <ref> },
//     "data_packages":  { "<slug>": { "<name>": <ref> } },
//     "memory_domains": { "<slug>": { "slug", "md5", "path" } },
//     "last_sync_unix": <int>,
//     ...any other top-level key, preserved verbatim... }
//   <ref> = { "table_id", "md5", "shared_path", "ref_path", "strategy",   (the seed's keys)
//             "size_bytes", "partitioned" }                                (ferry's additions)
//
// Paths are absolute, as the seed wrote them, and are written for the seed's readers only:
// ferry never acts on a loaded path before AnchorStateToWorkspace (src/store/state_anchor.h)
// has replaced it with the one the layout derives from the entry's names. A state written by
// the seed (absolute symlinks, no size_bytes) loads as is. Output is pretty JSON with sorted keys, like the seed's
// json.dumps(indent=2, sort_keys=True), replaced atomically (temp, fsync, rename, fsync dir).
//
// The state is never the only record of the disk: when it is lost or corrupt the audit
// rebuilds it from a scan (src/store/workspace_scan.h).
//
// Thread-safety: plain values and free functions.
#ifndef FERRY_STORE_SYNC_STATE_H_
#define FERRY_STORE_SYNC_STATE_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ferry/env.h"
#include "ferry/status.h"

namespace ferry {

// How a reference exposes its shared canonical (see src/store/linker.h).
enum class LinkStrategy { kReflink, kSymlink, kHardlink, kCopy };

// "reflink" "symlink" "hardlink" "copy" (the names the seed records in "strategy").
std::string_view LinkStrategyName(LinkStrategy strategy);
// The inverse of LinkStrategyName; kInvalidArgument "unknown link strategy 'x'; use reflink,
// symlink, hardlink or copy".
Result<LinkStrategy> ParseLinkStrategy(std::string_view name);
// A comma-separated order such as "reflink,symlink,hardlink,copy" (spaces around names are
// ignored). Empty, unknown or repeated names are kInvalidArgument.
Result<std::vector<LinkStrategy>> ParseLinkOrder(std::string_view csv);
// The default order: cheapest and most faithful first.
std::vector<LinkStrategy> DefaultLinkOrder();

struct TableRef {
  std::string table_id;     // "table_id"
  std::string md5;          // "md5": manifest md5 the shared file was verified against; "" unknown
  std::string shared_path;  // "shared_path", absolute
  std::string ref_path;     // "ref_path", absolute
  LinkStrategy strategy = LinkStrategy::kSymlink;  // "strategy"
  uint64_t size = 0;        // "size_bytes" (0 when unknown, e.g. a seed-written state)
  bool partitioned = false; // "partitioned": shared_path and ref_path are directories of parts

  bool operator==(const TableRef&) const = default;
};

struct MemoryEntry {
  std::string slug;  // "slug"
  std::string md5;   // "md5": the manifest's token for the bundle last written
  std::string path;  // "path": absolute path of bundle.md

  bool operator==(const MemoryEntry&) const = default;
};

struct SyncState {
  std::map<std::string, TableRef> direct_tables;                         // by table name
  std::map<std::string, std::map<std::string, TableRef>> data_packages;  // slug -> name -> ref
  std::map<std::string, MemoryEntry> memory_domains;                     // by slug
  int64_t last_sync_unix = 0;
  nlohmann::json extra = nlohmann::json::object();  // unknown top-level keys, verbatim
};

// The largest sync_state.json LoadSyncState reads (a bigger one is corrupt, not a workspace).
inline constexpr uint64_t kMaxSyncStateBytes = uint64_t{256} << 20;

// A missing file is an empty state (a fresh workspace). Unparseable JSON, a top level that is
// not an object, or a section of the wrong type is kCorruption naming the path; the caller
// then rebuilds from disk with the audit. Individually malformed entries (missing table_id /
// ref_path / shared_path, wrong types) are dropped with a line in `warnings` (may be null);
// an entry without a known "strategy" (a pre-strategy seed state) is kept as kCopy, the
// strategy whose currency check looks at content rather than link identity.
Result<SyncState> LoadSyncState(Env* env, const std::string& path,
                                std::vector<std::string>* warnings);

// The JSON document for `state` (exposed for tests and `--json` dumps).
nlohmann::json SyncStateToJson(const SyncState& state);

// The text SaveSyncState writes: pretty JSON, sorted keys, trailing newline.
std::string SyncStateText(const SyncState& state);

// Writes SyncStateText(state) atomically and durably.
Status SaveSyncState(Env* env, const std::string& path, const SyncState& state);

// Every reference in the state, direct and package alike (refcounts, audits). Pointers into
// `state`; valid while it is not modified.
std::vector<const TableRef*> AllReferences(const SyncState& state);

}  // namespace ferry

#endif  // FERRY_STORE_SYNC_STATE_H_
