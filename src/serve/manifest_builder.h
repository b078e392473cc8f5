// ManifestBuilder: the body of GET /api/sync/manifest for one user (docs/PROTOCOL.md).
//
// The manifest holds exactly the user's stack (access.h): the granted packages and memory
// domains that are required or subscribed, and the subscribed direct tables. Every table
// entry carries both `hash` and `md5` (the same MD5 of the file's current bytes, from
// FileDigests), `parquet_url`, `size_bytes`, `rows`, `query_mode`, `server_only` and
// `updated` (the file's mtime). `parquet_url` is "/api/data/<id>/download", or, when the
// catalog has a `base_url` (object store, CDN), "<base_url>/<file>" with each path segment
// percent-encoded.
//
// Partitioned tables (`dir:`) carry `parts: [{path, hash, md5, size_bytes}]`; their own
// `size_bytes` is the parts' total and their `hash`/`md5` is a change token (MD5 of
// "<path>|<md5>|<size>\n" per part, in path order), not a digest of any one file. Their
// `parquet_url` is always the server's download URL (parts are fetched with ?part=<path>).
// Remote tables have no file: empty hash/md5, size 0.
//
// Memory domains carry `md5` = the bundle's change token (bundle_renderer.h), `items_count`
// and `required_count` (of rendered items) and `bundle_url`.
//
// A file that vanished or keeps changing fails the whole manifest with a retryable error
// rather than advertising a digest the served bytes do not have.
//
// Thread-safety: BuildManifest is reentrant; `digests` must be thread-safe.
#ifndef FERRY_SERVE_MANIFEST_BUILDER_H_
#define FERRY_SERVE_MANIFEST_BUILDER_H_

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ferry/status.h"
#include "serve/catalog.h"
#include "serve/md5_index.h"
#include "serve/parts.h"
#include "serve/stack_store.h"

namespace ferry::serve {

// "2026-08-22T14:41:14.002+00:00" for nanoseconds since the Unix epoch.
std::string FormatIsoTime(int64_t unix_ns);

// What a table entry was built from, so a cache can tell when it is stale (manifest_cache.h).
struct TableSources {
  std::vector<std::pair<std::string, FileVersion>> files;  // path -> version advertised
  std::vector<DirStamp> dirs;  // a partitioned table's directories, as listed
};

// The entry of one table (also used by GET /api/catalog for what a user may add). When
// `sources` is given it receives the file versions and directories the entry describes.
Result<nlohmann::json> BuildTableEntry(const Catalog& catalog, const CatalogTable& table,
                                       FileDigests* digests, TableSources* sources = nullptr);

// The manifest's flat `tables` value for a table entry.
nlohmann::json FlatTableEntry(const nlohmann::json& entry);

// The manifest's entry of a memory domain (catalog data only).
nlohmann::json DomainEntry(const CatalogDomain& domain);

// How the server writes JSON bodies (invalid UTF-8 replaced, never thrown).
std::string DumpJson(const nlohmann::json& j);

Result<nlohmann::json> BuildManifest(const Catalog& catalog, const CatalogUser& user,
                                     const StackOverrides& overrides, FileDigests* digests,
                                     int64_t now_unix_ns);

}  // namespace ferry::serve

#endif  // FERRY_SERVE_MANIFEST_BUILDER_H_
