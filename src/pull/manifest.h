// Manifest: the typed form of `GET /api/sync/manifest` (docs/PROTOCOL.md), the desired state
// that `ferry pull` makes a workspace match.
//
// Two kinds of bad input, two outcomes:
// - Structure (not JSON, a wrong type, a missing required key, a body over the cap) makes the
//   WHOLE manifest unusable: ParseManifest returns kInvalidArgument naming the manifest URL and
//   the JSON path ("manifest from <url>: data_packages[2].tables[0].name: expected string, got
//   number"), and the caller changes nothing on disk. A missing section is such an error too:
//   treating an absent `data_packages` as empty would delete every package.
// - A name that is unsafe as a path segment (slug, table name, id, part path; see
//   IsSafePathSegment), or an unusable URL, only disqualifies that ENTRY: it lands in
//   `Manifest::errors` (with whatever identifies the local entry it would have replaced, so the
//   planner keeps that entry as it is) and the rest of the manifest is usable.
//
// Quirks accepted (PROTOCOL.md): `md5` or `hash`; `parquet_url` absent -> the fallback
// `/api/data/{id}/download`; relative URLs resolve against the manifest's URL; null for an
// optional key means "absent".
//
// Thread-safety: plain values and a pure function.
#ifndef FERRY_PULL_MANIFEST_H_
#define FERRY_PULL_MANIFEST_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/status.h"

namespace ferry::pull {

// A body larger than this is refused before it is parsed (a 1 GB manifest is an error, not a
// reason to run out of memory).
inline constexpr uint64_t kMaxManifestBytes = uint64_t{256} << 20;

struct ManifestPart {
  std::string path;  // safe relative path inside the table's directory
  std::string md5;   // "" = unknown
  uint64_t size_bytes = 0;
  std::string url;   // absolute: <table url>?part=<path>
};

struct ManifestTable {
  std::string id;    // canonical id: data/_shared/<id>.parquet
  std::string name;  // the reference's file name (without .parquet)
  std::string md5;   // "" = unknown: the PAR1 magic is checked instead
  std::string url;   // absolute download URL
  std::string query_mode = "local";
  bool server_only = false;
  uint64_t size_bytes = 0;
  int64_t rows = 0;
  std::vector<ManifestPart> parts;  // non-empty: a partitioned table (a directory)

  bool partitioned() const { return !parts.empty(); }
  // remote / server_only: no local file; any local copy is dropped.
  bool skipped() const;
};

struct ManifestPackage {
  std::string slug;
  std::string name;
  std::vector<ManifestTable> tables;
};

struct ManifestDomain {
  std::string slug;
  std::string name;
  std::string md5;  // a change token, not a digest of the bundle (PROTOCOL.md)
  std::string url;  // absolute bundle URL
};

enum class Section { kDirectTables, kDataPackages, kMemoryDomains };
std::string_view SectionName(Section section);  // "direct_tables", ...

// One entry the manifest named but ferry refused. `package` / `name` identify the local entry
// it corresponds to when they are themselves safe (empty otherwise): the planner leaves that
// entry as it is rather than deleting it.
struct EntryError {
  Section section = Section::kDirectTables;
  std::string package;  // data_packages: the slug (when safe)
  std::string name;     // table name or domain slug (when safe)
  bool whole_package = false;  // the package entry itself is refused (keep all its tables)
  std::string message;
};

struct Manifest {
  std::vector<ManifestTable> direct_tables;
  std::vector<ManifestPackage> data_packages;
  std::vector<ManifestDomain> memory_domains;
  std::vector<EntryError> errors;
};

// Parses `body`, fetched from `manifest_url` (also the base for relative URLs).
Result<Manifest> ParseManifest(std::string_view body, const std::string& manifest_url);

}  // namespace ferry::pull

#endif  // FERRY_PULL_MANIFEST_H_
