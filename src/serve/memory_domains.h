// MemoryDomains: the memory domains of one loaded Catalog as their items are on disk now.
//
// The freshness rule for everything ferry serves (docs/DESIGN.md, "Freshness"): a request
// sees the sources as they are when it arrives, checked by metadata on every request, never
// by waiting for a poll. Tables follow it through ManifestCache and Md5Index (an lstat per
// file, or the change watch); memory items follow it here: a domain's items are re-read when
// its stamp no longer matches, where the stamp is the items directory's (device, inode,
// mtime) plus every item file's (inode, size, mtime), taken before the items were read. An
// added, removed or renamed item changes the directory's mtime; an edit in place changes the
// file's size or mtime; a replace by rename changes its inode.
//
// Racy rule (as in md5_index.h): a stamp taken within Md5Index::kRacyWindowNs of one of its
// mtimes could miss an edit in the same timestamp tick, so such a domain is re-read on every
// request until its sources are older than the window (times from the Env's wall clock).
//
// A re-read that fails (an item that no longer parses, a duplicate id, the directory gone)
// keeps serving the last good items and logs the error once per stamp, as a catalog that
// fails to reload keeps the previous one (server.h).
//
// Thread-safety: Current may be called from many threads. The per-request check runs on an
// immutable snapshot without a lock; a domain is re-read by one caller at a time, which
// publishes a new snapshot.
#ifndef FERRY_SERVE_MEMORY_DOMAINS_H_
#define FERRY_SERVE_MEMORY_DOMAINS_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ferry/env.h"
#include "serve/catalog.h"

namespace ferry::serve {

// One domain as served now: the catalog's entry with its items as read last.
struct DomainState {
  uint64_t version = 0;  // grows with every re-read that changed the items
  CatalogDomain domain;
  std::string manifest_entry;  // DumpJson(DomainEntry(domain))
};

class MemoryDomains {
 public:
  // `env` (the catalog's filesystem and wall clock) must outlive this object. Starts from the
  // items the catalog loaded; the first request stamps and re-reads them.
  MemoryDomains(Env* env, std::shared_ptr<const Catalog> catalog);
  MemoryDomains(const MemoryDomains&) = delete;
  MemoryDomains& operator=(const MemoryDomains&) = delete;

  // Domain number `index` (in catalog->domains) as it is now.
  std::shared_ptr<const DomainState> Current(size_t index);

 private:
  struct FileStamp {
    std::string name;
    uint64_t inode = 0;
    uint64_t size = 0;
    int64_t mtime_ns = 0;
  };
  struct Stamp {
    bool valid = false;  // false: never taken, or the directory could not be read
    uint64_t device = 0;
    uint64_t inode = 0;
    int64_t mtime_ns = 0;
    std::vector<FileStamp> files;
    bool operator==(const Stamp& o) const;
  };
  // What a re-read published: the state and the stamp it was read under.
  struct Published {
    std::shared_ptr<const DomainState> state;
    Stamp stamp;
    bool racy = true;  // re-read on every request (see the racy rule above)
  };
  struct Slot {
    std::mutex reread_mu;   // one re-read at a time; guards `failed`
    Stamp failed;           // the stamp whose re-read failed (logged once)
    mutable std::mutex mu;  // guards the pointer `published`
    std::shared_ptr<const Published> published;
    std::shared_ptr<const Published> Get() const {
      std::lock_guard<std::mutex> lock(mu);
      return published;
    }
  };

  Stamp TakeStamp(const std::string& dir) const;
  bool StillMatches(const Stamp& stamp, const std::string& dir) const;

  Env* const env_;
  const std::shared_ptr<const Catalog> catalog_;
  std::vector<std::unique_ptr<Slot>> slots_;  // by domain index
};

}  // namespace ferry::serve

#endif  // FERRY_SERVE_MEMORY_DOMAINS_H_
