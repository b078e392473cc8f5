#include "serve/stack_store.h"

#include <sqlite3.h>

#include <ctime>

namespace ferry::serve {
namespace {

Status SqlError(sqlite3* db, const std::string& what, const std::string& path) {
  return Status::IoError("stack state " + path + ": " + what + ": " +
                         (db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

const char* const kSchema =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "CREATE TABLE IF NOT EXISTS stack_changes ("
    "  user TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  item TEXT NOT NULL,"
    "  subscribed INTEGER NOT NULL,"
    "  changed_unix INTEGER NOT NULL,"
    "  PRIMARY KEY (user, kind, item));";

}  // namespace

StackStore::StackStore(std::string path, sqlite3* db, sqlite3_stmt* upsert)
    : path_(std::move(path)), db_(db), upsert_(upsert) {}

StackStore::~StackStore() {
  sqlite3_finalize(upsert_);
  sqlite3_close(db_);
}

Result<std::unique_ptr<StackStore>> StackStore::Open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status s = SqlError(db, "open (check that its directory exists and is writable)", path);
    sqlite3_close(db);
    return s;
  }
  sqlite3_busy_timeout(db, 5000);
  char* err = nullptr;
  if (sqlite3_exec(db, kSchema, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err != nullptr ? err : "unknown error";
    sqlite3_free(err);
    sqlite3_close(db);
    return Status::IoError("stack state " + path + ": create schema: " + msg);
  }
  sqlite3_stmt* upsert = nullptr;
  if (sqlite3_prepare_v2(db,
                         "INSERT INTO stack_changes (user, kind, item, subscribed, changed_unix) "
                         "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (user, kind, item) DO UPDATE "
                         "SET subscribed = excluded.subscribed, "
                         "changed_unix = excluded.changed_unix",
                         -1, &upsert, nullptr) != SQLITE_OK) {
    Status s = SqlError(db, "prepare", path);
    sqlite3_close(db);
    return s;
  }
  std::unique_ptr<StackStore> store(new StackStore(path, db, upsert));
  sqlite3_stmt* select = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT user, kind, item, subscribed FROM stack_changes", -1, &select,
                         nullptr) != SQLITE_OK) {
    return SqlError(db, "prepare", path);
  }
  while ((rc = sqlite3_step(select)) == SQLITE_ROW) {
    auto text = [&](int col) {
      const unsigned char* t = sqlite3_column_text(select, col);
      return std::string(t != nullptr ? reinterpret_cast<const char*>(t) : "");
    };
    StackKind kind;
    if (!ParseStackKind(text(1), &kind)) continue;  // written by a newer ferry: ignore
    store->rows_[text(0)][{kind, text(2)}] = sqlite3_column_int(select, 3) != 0;
  }
  sqlite3_finalize(select);
  if (rc != SQLITE_DONE) return SqlError(db, "read", path);
  return store;
}

StackOverrides StackStore::OverridesFor(const std::string& user) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = rows_.find(user);
  return it == rows_.end() ? StackOverrides() : it->second;
}

Status StackStore::Set(const std::string& user, StackKind kind, const std::string& id,
                       bool subscribed) {
  std::lock_guard<std::mutex> lock(mu_);
  sqlite3_reset(upsert_);
  sqlite3_bind_text(upsert_, 1, user.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(upsert_, 2, StackKindName(kind), -1, SQLITE_STATIC);
  sqlite3_bind_text(upsert_, 3, id.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(upsert_, 4, subscribed ? 1 : 0);
  sqlite3_bind_int64(upsert_, 5, static_cast<sqlite3_int64>(std::time(nullptr)));
  int rc = sqlite3_step(upsert_);
  sqlite3_reset(upsert_);
  if (rc != SQLITE_DONE) return SqlError(db_, "write", path_);
  rows_[user][{kind, id}] = subscribed;
  return Status::OK();
}

}  // namespace ferry::serve
