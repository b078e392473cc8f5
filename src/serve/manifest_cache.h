// ManifestCache: GET /api/sync/manifest for one loaded Catalog, assembled from cached pieces.
//
// Building a manifest from scratch (manifest_builder.h) costs a JSON object per table and a
// serialisation of the whole tree: ~100-200 ms for 2,000 tables. Almost none of it depends on
// the user, so per catalog version this keeps:
// - per table: its entry's JSON text and its flat `tables` text in each client form
//   (manifest_builder.h: ClientFeatures; one text when the entry is the same for every
//   client), with what they were built from (the file versions advertised, and for a
//   partitioned table the directories listed);
// - per package and client form: its rendered object (tables array included); per domain:
//   its object;
// - per client form and resolved stack (the packages, domains and direct tables a user gets,
//   so users with the same stack share it): the whole body but `server_time`, tagged with the
//   generation of the table pieces it was assembled from (a ManifestBody, which also keeps
//   its gzip form and the digest the ETag comes from).
//
// Invariants:
// - A body is byte-identical to DumpJson(BuildManifest(...)) for the same inputs, client
//   features and time when no table is broken (manifest_cache_test.cc checks it). The client
//   form is part of every key, so a body built for one form is never served to a client of
//   another.
// - A broken table (its file a symlink, not a regular file, or unreadable: errors a retry
//   will not cure) is left out of every manifest, from its package, `direct_tables` and
//   `tables`, so the rest is served; it is logged once when it breaks, not on every request,
//   and re-checked at most once a second, so a repaired table comes back by itself. A file
//   that vanished or keeps changing still fails the manifest with a retryable 503, since a
//   client reads a missing table as one to delete.
// - Nothing the client sees names a server path: the detail goes to the server's log.
// - Never advertises an md5 the served bytes do not have: every request re-checks each table
//   of its stack by lstat (FileDigests::StillCurrent; directories of partitioned tables by
//   stat, DirUnchanged) before using a cached piece, unless nothing changed since the piece
//   last passed that check: a piece checked at change epoch E (FileDigests::ChangeEpoch,
//   read before the check) whose files are all in watched directories is trusted while the
//   epoch stays E (change_watch.h says what a watch sees, and why trust ends within 1 s). A stale
//   table is rebuilt through FileDigests::Current (which re-hashes), the generation is bumped, and
//   every body built from older pieces is rebuilt on its next use.
// - Racy rule (as in md5_index.h): a piece built within Md5Index::kRacyWindowNs of a source's
//   mtime is never trusted later, since a write in the same timestamp tick would not show in
//   lstat; it is rebuilt on every use until its sources are older than the window.
// - Memory domains follow the same rule through MemoryDomains (memory_domains.h): each
//   request takes every domain of its stack as it is now, and the body cache key carries each
//   domain's version, so an edited item shows in the very next manifest.
// - Stack changes need no invalidation: the body cache is keyed by the resolved stack.
// - The Catalog is immutable; a reload makes a new ManifestCache (server.h), so nothing from
//   an old catalog version is ever served after the swap.
//
// Thread-safety: Body may be called from many threads. Readers share immutable snapshots of
// the pieces; rebuilding is serialised by one mutex and publishes a new snapshot.
#ifndef FERRY_SERVE_MANIFEST_CACHE_H_
#define FERRY_SERVE_MANIFEST_CACHE_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ferry/status.h"
#include "serve/catalog.h"
#include "serve/manifest_body.h"
#include "serve/manifest_builder.h"
#include "serve/md5_index.h"
#include "serve/memory_domains.h"
#include "serve/stack_store.h"

namespace ferry::serve {

class ManifestCache {
 public:
  // Bodies kept for distinct stacks, in bytes (their identity form; a gzip form, made for
  // the first client that accepts it, adds about a tenth); beyond it the cache starts over.
  static constexpr size_t kMaxCachedBodyBytes = 64u << 20;

  // `digests` (and the Env it reads through, whose wall clock times the racy rule) and
  // `memory` must outlive the cache. `memory` null: domains as the catalog loaded them.
  ManifestCache(std::shared_ptr<const Catalog> catalog, FileDigests* digests,
                MemoryDomains* memory = nullptr);
  ManifestCache(const ManifestCache&) = delete;
  ManifestCache& operator=(const ManifestCache&) = delete;

  const std::shared_ptr<const Catalog>& catalog() const { return catalog_; }

  // The manifest body for `user` with their stack `overrides` at `now_unix_ns`, in the form
  // for a client with `features`; errors as BuildManifest's (a file that vanished or keeps
  // changing: kUnavailable naming the table, never its path).
  Result<std::string> Body(const CatalogUser& user, const StackOverrides& overrides,
                           int64_t now_unix_ns, ClientFeatures features);
  // The same body as a shared ManifestBody (manifest_body.h), for the handler to pick a coding
  // and derive the ETag from; same errors as Body.
  Result<std::shared_ptr<const ManifestBody>> Current(const CatalogUser& user,
                                                      const StackOverrides& overrides,
                                                      ClientFeatures features);

  // Bumped whenever a table piece is (re)built; tests observe invalidation with it.
  uint64_t generation() const;

 private:
  struct TablePiece {
    // Non-empty: the table is left out, and this says why (for the log only).
    std::string broken;
    int64_t built_unix_ns = 0;
    // JSON text of EntryForClient(BuildTableEntry) and of its FlatTableEntry, by FormIndex;
    // a single text when the entry is the same for every client (most tables).
    std::vector<std::string> entries;
    std::vector<std::string> flats;
    uint64_t size_bytes = 0;
    TableSources sources;
    bool racy = false;
    // 1 + the change epoch at which the piece last passed the lstat check with every file
    // watched; 0: never. Written by whichever request checked it.
    mutable std::atomic<uint64_t> trusted_epoch{0};
  };
  struct Pieces {
    uint64_t generation = 0;
    std::vector<std::shared_ptr<const TablePiece>> tables;  // by table index; null: not built
    // By package index, then FormIndex; null: stale or not rendered yet.
    std::vector<std::array<std::shared_ptr<const std::string>, kClientForms>> packages;
  };
  struct Request {  // one user's stack as indices, in one client form
    std::vector<size_t> packages, domains, direct, tables;  // tables: the union, sorted by id
    size_t form = 0;                                        // FormIndex
    std::vector<std::shared_ptr<const std::string>> domain_texts;  // by req.domains
    std::string key;
  };

  static const std::string& EntryText(const TablePiece& piece, size_t form);
  static const std::string& FlatText(const TablePiece& piece, size_t form);

  std::shared_ptr<const Pieces> Snapshot() const;
  bool Fresh(const TablePiece* piece) const;
  // Fresh, or trusted without a system call at `epoch` (read before any check).
  bool FreshAt(const TablePiece* piece, uint64_t epoch) const;
  // Rebuilds what `req` needs that is missing or stale, publishes and returns the snapshot.
  Result<std::shared_ptr<const Pieces>> Refresh(const Request& req);
  std::string RenderPackage(const Pieces& pieces, size_t package, size_t form) const;
  std::shared_ptr<const ManifestBody> Render(const Pieces& pieces, const Request& req) const;

  const std::shared_ptr<const Catalog> catalog_;
  FileDigests* const digests_;
  MemoryDomains* const memory_;
  // Catalog-only data, computed once.
  std::vector<std::vector<size_t>> package_tables_;               // table indices per package
  std::vector<std::string> package_heads_;                        // package JSON up to `"tables":[`
  std::vector<std::shared_ptr<const std::string>> domain_texts_;  // as loaded
  std::vector<std::string> table_keys_;                           // JSON text of each table id
  std::vector<size_t> id_rank_;  // position of each table in id order

  mutable std::mutex pieces_mu_;  // guards pieces_ (the pointer)
  std::shared_ptr<const Pieces> pieces_;
  std::mutex refresh_mu_;  // one rebuild at a time

  std::mutex bodies_mu_;  // guards bodies_ and bodies_bytes_
  std::map<std::string, std::shared_ptr<const ManifestBody>> bodies_;
  size_t bodies_bytes_ = 0;
};

}  // namespace ferry::serve

#endif  // FERRY_SERVE_MANIFEST_CACHE_H_
