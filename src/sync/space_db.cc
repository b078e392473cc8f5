#include "sync/space_db.h"

#include <sqlite3.h>

namespace ferry::sync {
namespace {

// docs/SYNC.md "Document spaces". `id` is the document's inode: AUTOINCREMENT so that an id
// is never given again after its document went (a new document at an old id would look
// unchanged to the baseline's stamp). The defaults let another program add a document with
// just (space_path, content, updated_at), as the seed's InformationSpace does.
const char* const kSchema =
    "CREATE TABLE ferry_space ("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL);"
    "INSERT INTO ferry_space VALUES ('format', 'ferry-space'), ('version', '1');"
    "CREATE TABLE documents ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  space_path TEXT NOT NULL UNIQUE,"
    "  kind TEXT NOT NULL DEFAULT 'file' CHECK (kind IN ('file', 'symlink', 'dir')),"
    "  content BLOB NOT NULL DEFAULT x'',"
    "  updated_at INTEGER NOT NULL,"
    "  mode INTEGER NOT NULL DEFAULT 420);";

}  // namespace

SpaceStatement::~SpaceStatement() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

SpaceStatement& SpaceStatement::Bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

SpaceStatement& SpaceStatement::BindBlob(int index, std::string_view bytes) {
  // A zero-length blob, not NULL, for an empty document (data() may be null).
  sqlite3_bind_blob(stmt_, index, bytes.empty() ? "" : bytes.data(), static_cast<int>(bytes.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

SpaceStatement& SpaceStatement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Result<bool> SpaceStatement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3* db = sqlite3_db_handle(stmt_);
  std::string msg = std::string(sqlite3_db_filename(db, "main")) + ": " + sqlite3_errmsg(db);
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
    return Status::Busy("space " + msg + "; another program holds it, retry later");
  }
  if (rc == SQLITE_FULL) return Status::NoSpace("space " + msg);
  if (rc == SQLITE_CONSTRAINT) return Status::AlreadyExists("space " + msg);
  return Status::IoError("space " + msg);
}

std::string SpaceStatement::Text(int column) const {
  const void* p = sqlite3_column_blob(stmt_, column);
  int n = sqlite3_column_bytes(stmt_, column);
  return p != nullptr ? std::string(static_cast<const char*>(p), static_cast<size_t>(n)) : "";
}

int64_t SpaceStatement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

bool SpaceStatement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

Result<std::unique_ptr<SpaceDb>> SpaceDb::Open(const std::string& path, bool create) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status s = Status::IoError("space " + path +
                               ": open: " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory") +
                               " (check that its directory exists and is writable)");
    sqlite3_close(db);
    return s;
  }
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<SpaceDb> space(new SpaceDb(path, db));
  FERRY_RETURN_IF_ERROR(space->Recognize());
  return space;
}

SpaceDb::~SpaceDb() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Status SpaceDb::Error(const std::string& what) const {
  return Status::IoError("space " + path_ + ": " + what + ": " + sqlite3_errmsg(db_));
}

Status SpaceDb::Exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::OK();
  std::string msg = err != nullptr ? err : sqlite3_errmsg(db_);
  sqlite3_free(err);
  if (rc == SQLITE_BUSY) {
    return Status::Busy("space " + path_ + ": " + msg + "; another program holds it, retry later");
  }
  return Status::IoError("space " + path_ + ": " + msg);
}

Status SpaceDb::Recognize() {
  // The first read of the file tells SQLite from anything else (SQLITE_NOTADB).
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db_, "SELECT count(*) FROM sqlite_master", -1, &raw, nullptr);
  int tables = -1;
  if (rc == SQLITE_OK && sqlite3_step(raw) == SQLITE_ROW) tables = sqlite3_column_int(raw, 0);
  rc = sqlite3_errcode(db_);
  sqlite3_finalize(raw);
  if (tables < 0) {
    if (rc == SQLITE_NOTADB) {
      return Status::InvalidArgument("space " + path_ +
                                     ": not a SQLite database; give a ferry space or a new file");
    }
    return Error("read");
  }
  FERRY_RETURN_IF_ERROR(Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"));
  if (tables == 0) {
    return InTransaction([&] { return Exec(kSchema); });
  }
  // A database without the table fails to prepare the query: not a space either.
  bool is_space = false;
  if (Result<std::unique_ptr<SpaceStatement>> mark =
          Prepare("SELECT value FROM ferry_space WHERE key = 'format'");
      mark.ok()) {
    Result<bool> row = (*mark)->Step();
    is_space = row.ok() && *row && (*mark)->Text(0) == kSpaceFormat;
  }
  if (!is_space) {
    return Status::InvalidArgument("space " + path_ +
                                   ": a SQLite database but not a ferry space (no ferry_space "
                                   "mark); give a ferry space or a new file");
  }
  FERRY_ASSIGN_OR_RETURN(auto version,
                         Prepare("SELECT value FROM ferry_space WHERE key = 'version'"));
  FERRY_ASSIGN_OR_RETURN(bool has_version, version->Step());
  if (!has_version || version->Text(0) != std::to_string(kSpaceVersion)) {
    return Status::InvalidArgument(
        "space " + path_ + ": ferry space version " + (has_version ? version->Text(0) : "?") +
        ", this ferry reads version " + std::to_string(kSpaceVersion) + "; upgrade ferry");
  }
  return Status::OK();
}

Result<std::unique_ptr<SpaceStatement>> SpaceDb::Prepare(const char* sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
      sqlite3_finalize(stmt);
      return Error("prepare");
    }
    it = statements_.emplace(sql, stmt).first;
  }
  return std::make_unique<SpaceStatement>(it->second);
}

Status SpaceDb::InTransaction(const std::function<Status()>& body) {
  FERRY_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  Status s = body();
  if (s.ok()) {
    if (before_commit_) before_commit_();
    s = Exec("COMMIT");
    if (s.ok()) return s;
  }
  IgnoreError(Exec("ROLLBACK"), "the change failed already; its error is the one to report");
  return s;
}

}  // namespace ferry::sync
