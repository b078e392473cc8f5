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
// Older clients (docs/PROTOCOL.md, "Older clients") skip a table only when its `query_mode`
// is `remote`. So a `server_only` table is announced to every client with `query_mode:
// "remote"` (and `server_only: true`): either key keeps it off disk. A partitioned table is
// downloadable only by a client that sent the `parts` feature (net/client_features.h); every
// other client gets the entry as `query_mode: "remote"` without `parts` (EntryForClient).
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

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ferry/status.h"
#include "net/client_features.h"
#include "serve/catalog.h"
#include "serve/md5_index.h"
#include "serve/parts.h"
#include "serve/stack_store.h"

namespace ferry::serve {

// "2026-08-22T14:41:14.002+00:00" for nanoseconds since the Unix epoch.
std::string FormatIsoTime(int64_t unix_ns);

// What the client said it understands (net/client_features.h), as far as the manifest's form
// depends on it. Each combination is one form of the manifest; FormIndex numbers them
// 0 .. kClientForms - 1 so a cache can keep one body per form (manifest_cache.h).
struct ClientFeatures {
  bool parts = false;  // downloads partitioned tables part by part
};
inline constexpr size_t kClientForms = 2;
inline size_t FormIndex(ClientFeatures f) { return f.parts ? 1 : 0; }
inline ClientFeatures FeaturesOfForm(size_t form) { return {.parts = (form & 1) != 0}; }

// The features listed by one `X-Ferry-Features` header value; call once per header line.
ClientFeatures ParseClientFeatures(std::string_view header_value, ClientFeatures so_far = {});

// What `ferry pull` says it understands (kPullFeatures).
inline ClientFeatures PullClientFeatures() { return ParseClientFeatures(kPullFeatures); }

// What a table entry was built from, so a cache can tell when it is stale (manifest_cache.h).
struct TableSources {
  std::vector<std::pair<std::string, FileVersion>> files;  // path -> version advertised
  std::vector<DirStamp> dirs;  // a partitioned table's directories, as listed
};

// The entry of one table (also used by GET /api/catalog for what a user may add). When
// `sources` is given it receives the file versions and directories the entry describes.
Result<nlohmann::json> BuildTableEntry(const Catalog& catalog, const CatalogTable& table,
                                       FileDigests* digests, TableSources* sources = nullptr);

// The entry `full` (BuildTableEntry) as a client with `features` is sent it: without `parts`,
// a partitioned table becomes `query_mode: "remote"` and loses its `parts`, so a client that
// cannot download it skips it by its own rule. Anything else is returned unchanged.
nlohmann::json EntryForClient(const nlohmann::json& full, ClientFeatures features);

// True when EntryForClient may change `full` for some client.
bool EntryDependsOnClient(const nlohmann::json& full);

// The manifest's flat `tables` value for a table entry.
nlohmann::json FlatTableEntry(const nlohmann::json& entry);

// The manifest's entry of a memory domain (catalog data only).
nlohmann::json DomainEntry(const CatalogDomain& domain);

// How the server writes JSON bodies (invalid UTF-8 replaced, never thrown).
std::string DumpJson(const nlohmann::json& j);

// The manifest for `user` as a client with `features` is sent it (the flat `tables` view
// follows the form of the entries).
Result<nlohmann::json> BuildManifest(const Catalog& catalog, const CatalogUser& user,
                                     const StackOverrides& overrides, FileDigests* digests,
                                     int64_t now_unix_ns, ClientFeatures features);

}  // namespace ferry::serve

#endif  // FERRY_SERVE_MANIFEST_BUILDER_H_
