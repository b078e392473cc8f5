// StackStore: the users' own changes to their stacks, persisted in a SQLite file (`--state`,
// by default "<catalog>.state.sqlite" beside the catalog) so they survive restarts.
//
// The catalog's `stack:` is each user's default; the store records only what the user changed
// through PUT/DELETE /api/stack/...: one row (user, kind, id, subscribed 0/1) per changed item.
// A default the admin edits later still applies to every item the user never touched.
//
// Rows are kept in memory too (reads never touch SQLite); writes go through a prepared
// statement in WAL mode and are durable (synchronous=FULL) before Set() returns.
//
// Thread-safety: all methods may be called from many threads (one internal mutex).
#ifndef FERRY_SERVE_STACK_STORE_H_
#define FERRY_SERVE_STACK_STORE_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "ferry/status.h"
#include "serve/catalog.h"

struct sqlite3;
struct sqlite3_stmt;

namespace ferry::serve {

// (kind, id) -> subscribed. Absent: the catalog's default applies.
using StackOverrides = std::map<std::pair<StackKind, std::string>, bool>;

class StackStore {
 public:
  // Opens or creates the database at `path`; its directory must exist.
  static Result<std::unique_ptr<StackStore>> Open(const std::string& path);
  ~StackStore();
  StackStore(const StackStore&) = delete;
  StackStore& operator=(const StackStore&) = delete;

  StackOverrides OverridesFor(const std::string& user) const;
  Status Set(const std::string& user, StackKind kind, const std::string& id, bool subscribed);

  const std::string& path() const { return path_; }

 private:
  StackStore(std::string path, sqlite3* db, sqlite3_stmt* upsert);

  const std::string path_;
  mutable std::mutex mu_;
  sqlite3* db_;
  sqlite3_stmt* upsert_;
  std::map<std::string, StackOverrides> rows_;  // user -> overrides
};

}  // namespace ferry::serve

#endif  // FERRY_SERVE_STACK_STORE_H_
