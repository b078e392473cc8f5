// Catalog: the validated, immutable model of the YAML file `ferry serve --catalog` reads:
// the served root, tables (one file, or a directory of part files), data packages, memory
// domains (with their items, see memory_items.h) and users with their token hashes, grants
// and default stacks. The format is described in issue 4 and docs/PROTOCOL.md.
//
// Invariants of a loaded Catalog (LoadCatalog refuses anything else, naming the line):
// - every id and slug is a safe path segment and unique within its kind;
// - `root` exists, is stored canonical (realpath), and every table file / directory resolves
//   inside it (a symlink that leads out of root is an error);
// - every table a package lists, and every package / domain / table a user's grants or stack
//   names, exists; every stack entry is within that user's grants;
// - relative paths are resolved against the catalog file's directory (root, items_dir), or
//   against root (table files and directories).
//
// A Catalog is never modified after loading: the server swaps a whole new one in on reload,
// so it may be read from any number of threads without locking.
#ifndef FERRY_SERVE_CATALOG_H_
#define FERRY_SERVE_CATALOG_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ferry/env.h"
#include "ferry/status.h"
#include "serve/memory_items.h"

namespace ferry::serve {

enum class Requirement { kAvailable, kRequired };
const char* RequirementName(Requirement r);  // "available" / "required"

struct CatalogTable {
  std::string id;
  std::string name;      // file name inside a package (defaults to id)
  std::string file;      // as written, relative to root ("" for a partitioned or remote table)
  std::string dir;       // as written, relative to root ("" unless partitioned)
  std::string abs_path;  // root + file, or root + dir for a partitioned table
  std::string query_mode = "local";  // local | materialized | remote
  bool server_only = false;
  int64_t rows = 0;  // optional `rows:` key; ferry does not read parquet footers
  int line = 0;      // 1-based line of the entry in the catalog file

  bool partitioned() const { return !dir.empty(); }
  bool has_file() const { return !abs_path.empty(); }
};

struct CatalogPackage {
  std::string slug;
  std::string name;
  std::string description;
  Requirement requirement = Requirement::kAvailable;
  std::vector<std::string> tables;  // table ids
  int line = 0;
};

struct CatalogDomain {
  std::string slug;
  std::string name;
  std::string description;
  Requirement requirement = Requirement::kAvailable;
  std::string items_dir;          // absolute
  std::vector<MemoryItem> items;  // every item, sorted by id
  int line = 0;
};

// The three kinds a stack holds; also the path segment of /api/stack/<kind>/<id>.
enum class StackKind { kPackages, kMemoryDomains, kDirectTables };
const char* StackKindName(StackKind kind);  // "packages", "memory_domains", "direct_tables"
// Accepts the plural names above and their singular forms ("package", "memory_domain",
// "direct_table"); false for anything else.
bool ParseStackKind(const std::string& text, StackKind* kind);

struct IdSets {
  std::vector<std::string> packages;
  std::vector<std::string> memory_domains;
  std::vector<std::string> tables;  // grants: `tables`; stack: `direct_tables`
};

struct CatalogUser {
  std::string name;
  std::string token_sha256;  // lowercase hex
  IdSets grants;
  IdSets stack;  // the default stack; the state file records the user's changes on top
  int line = 0;
};

struct Catalog {
  std::string path;      // the catalog file as given
  std::string root;      // canonical absolute directory
  std::string base_url;  // "" or an absolute URL prefix for parquet_url (object store, CDN)
  std::vector<CatalogTable> tables;
  std::vector<CatalogPackage> packages;
  std::vector<CatalogDomain> domains;
  std::vector<CatalogUser> users;

  const CatalogTable* FindTable(const std::string& id) const;
  const CatalogPackage* FindPackage(const std::string& slug) const;
  const CatalogDomain* FindDomain(const std::string& slug) const;

  // Filled by LoadCatalog: id -> index in the vectors above.
  std::map<std::string, size_t> table_index;
  std::map<std::string, size_t> package_index;
  std::map<std::string, size_t> domain_index;
};

// Reads, parses and validates the catalog at `path`. Errors are kInvalidArgument with one line
// "<path>:<line>: <what is wrong>", e.g.
// "catalog.yaml:12: package 'sales' lists unknown table 'ordrs'".
// Every file and directory is read through `env` (the real disk in `ferry serve`, MemEnv in
// tests and the fuzzer).
Result<std::shared_ptr<const Catalog>> LoadCatalog(Env* env, const std::string& path);

// Resolves `relative` (a catalog-declared path) against the canonical `root` and returns the
// canonical absolute path, or an error when it does not exist or leads outside root
// (through "..", an absolute path or a symlink). Used at load time and for part files.
Result<std::string> ResolveInsideRoot(Env* env, const std::string& root,
                                      const std::string& relative);

// True when canonical absolute `path` is `root` itself or lies below it.
bool IsInsideRoot(const std::string& root, const std::string& path);

}  // namespace ferry::serve

#endif  // FERRY_SERVE_CATALOG_H_
