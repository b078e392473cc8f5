#include "sync/space_replica.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>
#include <vector>

#include "base/path.h"

namespace ferry::sync {
namespace {

constexpr size_t kReadChunk = size_t{1} << 20;
constexpr uint32_t kImpliedDirMode = 0755;

// The columns every entry is built from; the size is the content's bytes even when another
// program stored TEXT (length() alone would count characters).
#define FERRY_SPACE_COLUMNS                                                                   \
  "space_path, id, kind, "                                                                    \
  "CASE typeof(content) WHEN 'blob' THEN length(content) ELSE length(CAST(content AS BLOB)) " \
  "END, updated_at, mode, CASE kind WHEN 'symlink' THEN content END"

const char* const kSelectOne =
    "SELECT " FERRY_SPACE_COLUMNS " FROM documents WHERE space_path = ?1";
// Outside the backup area (.ferry-trash and below; '0' is the byte after '/').
const char* const kSelectLive = "SELECT " FERRY_SPACE_COLUMNS
                                " FROM documents WHERE NOT (space_path = '.ferry-trash' OR "
                                "(space_path >= '.ferry-trash/' AND space_path < '.ferry-trash0'))"
                                " ORDER BY space_path";
const char* const kSelectTrash = "SELECT " FERRY_SPACE_COLUMNS
                                 " FROM documents WHERE space_path = '.ferry-trash' OR "
                                 "(space_path >= '.ferry-trash/' AND space_path < '.ferry-trash0')"
                                 " ORDER BY space_path";
const char* const kAnyLive =
    "SELECT 1 FROM documents WHERE NOT (space_path = '.ferry-trash' OR "
    "(space_path >= '.ferry-trash/' AND space_path < '.ferry-trash0')) LIMIT 1";
const char* const kAnyUnder =
    "SELECT 1 FROM documents WHERE space_path >= ?1 AND space_path < ?2 LIMIT 1";
const char* const kSelectUnder =
    "SELECT id, space_path FROM documents WHERE space_path >= ?1 AND space_path < ?2";
const char* const kSelectContent = "SELECT content FROM documents WHERE space_path = ?1";
const char* const kInsert =
    "INSERT INTO documents (space_path, kind, content, updated_at, mode) VALUES (?1, ?2, ?3, ?4, "
    "?5)";
const char* const kInsertCopy =
    "INSERT INTO documents (space_path, kind, content, updated_at, mode) "
    "SELECT ?2, kind, content, updated_at, mode FROM documents WHERE space_path = ?1";
const char* const kDelete = "DELETE FROM documents WHERE space_path = ?1";
const char* const kMovePath = "UPDATE documents SET space_path = ?2 WHERE space_path = ?1";
const char* const kMoveId = "UPDATE documents SET space_path = ?2 WHERE id = ?1";

#undef FERRY_SPACE_COLUMNS

// A SequentialFile over bytes already read.
class BytesFile final : public SequentialFile {
 public:
  explicit BytesFile(std::string bytes) : bytes_(std::move(bytes)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    size_t take = std::min(n, bytes_.size() - pos_);
    std::copy_n(bytes_.data() + pos_, take, buf);
    pos_ += take;
    return take;
  }
  Status Skip(uint64_t n) override {
    pos_ = static_cast<size_t>(std::min<uint64_t>(bytes_.size(), pos_ + n));
    return Status::OK();
  }

 private:
  std::string bytes_;
  size_t pos_ = 0;
};

Result<ReplicaEntry> EntryFromRow(const SpaceStatement& row) {
  ReplicaEntry e;
  e.path = row.Text(0);
  e.inode = static_cast<uint64_t>(row.Int(1));
  std::string kind = row.Text(2);
  if (kind == "file") {
    e.kind = EntryKind::kFile;
    e.size = static_cast<uint64_t>(row.Int(3));
  } else if (kind == "symlink") {
    e.kind = EntryKind::kSymlink;
    e.link_target = row.Text(6);
    e.size = e.link_target.size();
  } else if (kind == "dir") {
    e.kind = EntryKind::kDir;
  } else {
    return Status::Corruption("document " + e.path + " has unknown kind '" + kind + "'");
  }
  e.mtime_ns = row.Int(4);
  e.mode = static_cast<uint32_t>(row.Int(5));
  // A directory another program stored took the column's default, 0644: without the search
  // bits it could not be entered once synced to a disk. As `chmod +X`: searchable where
  // readable.
  if (e.kind == EntryKind::kDir) e.mode |= (e.mode & 0444) >> 2;
  return e;
}

ReplicaEntry ImpliedDir(const std::string& path) {
  ReplicaEntry e;
  e.path = path;
  e.kind = EntryKind::kDir;
  e.mode = kImpliedDirMode;
  return e;
}

// Every proper ancestor of `path`, shallowest first ("a/b/c" -> "a", "a/b").
std::vector<std::string> Ancestors(const std::string& path) {
  std::vector<std::string> out;
  for (size_t slash = path.find('/'); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    out.push_back(path.substr(0, slash));
  }
  return out;
}

bool IsUnder(const std::string& path, const std::string& dir) {
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
         path[dir.size()] == '/';
}

}  // namespace

Result<std::unique_ptr<SpaceReplica>> SpaceReplica::Open(Env* env, const std::string& db_path) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(db_path, ec);
  if (ec) {
    return Status::InvalidArgument("space " + db_path + ": " + ec.message() +
                                   "; give the database's path");
  }
  std::unique_ptr<SpaceReplica> r(new SpaceReplica(env, NormalizePathLexically(abs.string())));
  FERRY_RETURN_IF_ERROR(r->MaybeOpen(/*create=*/false));
  return r;
}

Result<std::unique_ptr<Replica>> NewSpaceReplica(Env* env, const std::string& db_path) {
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<SpaceReplica> r, SpaceReplica::Open(env, db_path));
  return std::unique_ptr<Replica>(std::move(r));
}

std::string SpaceReplica::id() const { return std::string(kSpaceSpecPrefix) + db_path_; }

Status SpaceReplica::MaybeOpen(bool create) {
  if (db_) return Status::OK();
  Result<FileInfo> info = env_->Stat(db_path_);
  if (!info.ok() && !info.status().IsNotFound()) return info.status();
  if (info.ok() && info->is_directory()) {
    return Status::InvalidArgument("space " + db_path_ +
                                   ": is a directory; a space is a database file (space:FILE.db)");
  }
  if (!info.ok() && !create) return Status::OK();  // missing: created by the first write
  FERRY_ASSIGN_OR_RETURN(db_, SpaceDb::Open(db_path_, create));
  return Status::OK();
}

Status SpaceReplica::TEST_SetBeforeCommit(std::function<void()> hook) {
  std::lock_guard<std::mutex> lock(mu_);
  FERRY_RETURN_IF_ERROR(MaybeOpen(/*create=*/true));
  db_->TEST_SetBeforeCommit(std::move(hook));
  return Status::OK();
}

Status SpaceReplica::TEST_SkipFsync() {
  std::lock_guard<std::mutex> lock(mu_);
  FERRY_RETURN_IF_ERROR(MaybeOpen(/*create=*/true));
  return db_->TEST_SkipFsync();
}

Status SpaceReplica::CheckPath(const std::string& path) const {
  if (IsValidReplicaPath(path)) return Status::OK();
  return Status::InvalidArgument("sync path '" + path + "' in space " + db_path_ +
                                 " is not a relative path inside the replica");
}

Result<RootState> SpaceReplica::GetRootState() {
  std::lock_guard<std::mutex> lock(mu_);
  FERRY_RETURN_IF_ERROR(MaybeOpen(/*create=*/false));
  if (!db_) return RootState::kMissing;
  // An open connection keeps reading a file removed (or a drive unmounted) under it: the
  // path, not the connection, says whether the space is there.
  Result<FileInfo> info = env_->Stat(db_path_);
  if (info.status().IsNotFound()) return RootState::kMissing;
  FERRY_RETURN_IF_ERROR(info.status());
  FERRY_ASSIGN_OR_RETURN(auto any, db_->Prepare(kAnyLive));
  FERRY_ASSIGN_OR_RETURN(bool populated, any->Step());
  return populated ? RootState::kPopulated : RootState::kEmpty;
}

Result<ReplicaEntry> SpaceReplica::Lookup(const std::string& path) {
  if (db_) {
    FERRY_ASSIGN_OR_RETURN(auto one, db_->Prepare(kSelectOne));
    one->Bind(1, path);
    FERRY_ASSIGN_OR_RETURN(bool found, one->Step());
    if (found) return EntryFromRow(*one);
    FERRY_ASSIGN_OR_RETURN(auto under, db_->Prepare(kAnyUnder));
    under->Bind(1, path + "/").Bind(2, path + "0");
    FERRY_ASSIGN_OR_RETURN(bool has_children, under->Step());
    if (has_children) return ImpliedDir(path);
  }
  return Status::NotFound(path + " in space " + db_path_ + ": no such document");
}

Status SpaceReplica::ListWhere(bool trash, const std::function<Status(ReplicaEntry)>& visit) {
  std::vector<ReplicaEntry> entries;
  {
    std::lock_guard<std::mutex> lock(mu_);
    FERRY_RETURN_IF_ERROR(MaybeOpen(/*create=*/false));
    if (!db_) return Status::OK();
    FERRY_ASSIGN_OR_RETURN(auto rows, db_->Prepare(trash ? kSelectTrash : kSelectLive));
    std::set<std::string> dirs;  // listed so far; sorted rows put a parent before its children
    while (true) {
      FERRY_ASSIGN_OR_RETURN(bool row, rows->Step());
      if (!row) break;
      FERRY_ASSIGN_OR_RETURN(ReplicaEntry e, EntryFromRow(*rows));
      if (!IsValidReplicaPath(e.path)) {
        return Status::Corruption("space " + db_path_ + ": document path '" + e.path +
                                  "' is not a relative path; rename or remove that row");
      }
      for (const std::string& parent : Ancestors(e.path)) {
        if (dirs.count(parent) != 0) continue;
        FERRY_ASSIGN_OR_RETURN(ReplicaEntry p, Lookup(parent));
        if (p.kind != EntryKind::kDir) {
          return Status::Corruption("space " + db_path_ + ": document " + e.path + " is inside " +
                                    parent +
                                    ", which is not a directory; rename or remove one of them");
        }
        dirs.insert(parent);
        entries.push_back(std::move(p));
      }
      if (e.kind == EntryKind::kDir) dirs.insert(e.path);
      entries.push_back(std::move(e));
    }
  }
  for (ReplicaEntry& e : entries) FERRY_RETURN_IF_ERROR(visit(std::move(e)));
  return Status::OK();
}

Status SpaceReplica::List(const std::function<Status(ReplicaEntry)>& visit) {
  return ListWhere(/*trash=*/false, visit);
}

Status SpaceReplica::ListBackups(const std::function<Status(ReplicaEntry)>& visit) {
  return ListWhere(/*trash=*/true, visit);
}

Result<ReplicaEntry> SpaceReplica::Stat(const std::string& path) {
  FERRY_RETURN_IF_ERROR(CheckPath(path));
  std::lock_guard<std::mutex> lock(mu_);
  FERRY_RETURN_IF_ERROR(MaybeOpen(/*create=*/false));
  return Lookup(path);
}

Result<std::unique_ptr<SequentialFile>> SpaceReplica::OpenRead(const std::string& path) {
  FERRY_RETURN_IF_ERROR(CheckPath(path));
  std::lock_guard<std::mutex> lock(mu_);
  FERRY_RETURN_IF_ERROR(MaybeOpen(/*create=*/false));
  FERRY_ASSIGN_OR_RETURN(ReplicaEntry e, Lookup(path));
  if (e.kind != EntryKind::kFile) {
    return Status::InvalidArgument("read " + path + " in space " + db_path_ + ": is a " +
                                   std::string(EntryKindName(e.kind)) + ", not a document");
  }
  FERRY_ASSIGN_OR_RETURN(auto content, db_->Prepare(kSelectContent));
  content->Bind(1, path);
  FERRY_ASSIGN_OR_RETURN(bool found, content->Step());
  if (!found) return Status::NotFound(path + " in space " + db_path_ + ": no such document");
  return std::unique_ptr<SequentialFile>(std::make_unique<BytesFile>(content->Text(0)));
}

Status SpaceReplica::EnsureParents(const std::string& path, const std::string& op) {
  for (const std::string& parent : Ancestors(path)) {
    FERRY_ASSIGN_OR_RETURN(auto one, db_->Prepare(kSelectOne));
    one->Bind(1, parent);
    FERRY_ASSIGN_OR_RETURN(bool found, one->Step());
    if (found) {
      FERRY_ASSIGN_OR_RETURN(ReplicaEntry e, EntryFromRow(*one));
      if (e.kind == EntryKind::kDir) continue;
      if (e.kind == EntryKind::kSymlink) {
        return Status::Refused(op + " " + path + " in space " + db_path_ + ": " + parent +
                               " is a symlink; ferry syncs links as links and never writes "
                               "through one");
      }
      return Status::AlreadyExists(op + " " + path + " in space " + db_path_ + ": " + parent +
                                   " exists and is not a directory");
    }
    one.reset();  // done with the lookup before the insert reuses the connection
    FERRY_ASSIGN_OR_RETURN(auto insert, db_->Prepare(kInsert));
    insert->Bind(1, parent).Bind(2, "dir").BindBlob(3, "").Bind(4, env_->NowUnixNanos());
    insert->Bind(5, int64_t{kImpliedDirMode});
    FERRY_RETURN_IF_ERROR(insert->Step().status());
  }
  return Status::OK();
}

Status SpaceReplica::WriteRow(const std::string& path, std::string_view kind,
                              std::string_view content, int64_t updated_at, uint32_t mode,
                              const std::string& op) {
  FERRY_RETURN_IF_ERROR(MaybeOpen(/*create=*/true));
  return db_->InTransaction([&]() -> Status {
    FERRY_RETURN_IF_ERROR(EnsureParents(path, op));
    Result<ReplicaEntry> now = Lookup(path);
    if (now.ok() && now->kind == EntryKind::kDir) {
      return Status::AlreadyExists(op + " " + path + " in space " + db_path_ +
                                   ": a directory is in the way; move it away first");
    }
    if (!now.ok() && !now.status().IsNotFound()) return now.status();
    // Replaced, not updated: the new version gets a new id, as a rename over a temp gives a
    // new inode, so a baseline stamp never mistakes it for the old one.
    FERRY_ASSIGN_OR_RETURN(auto del, db_->Prepare(kDelete));
    del->Bind(1, path);
    FERRY_RETURN_IF_ERROR(del->Step().status());
    del.reset();
    FERRY_ASSIGN_OR_RETURN(auto insert, db_->Prepare(kInsert));
    insert->Bind(1, path).Bind(2, kind).BindBlob(3, content).Bind(4, updated_at);
    insert->Bind(5, int64_t{mode});
    return insert->Step().status();
  });
}

Status SpaceReplica::WriteFile(const std::string& path, SequentialFile* source,
                               const WriteMeta& meta) {
  FERRY_RETURN_IF_ERROR(CheckPath(path));
  // Read and checked before the transaction: the database stays unlocked while the source is
  // slow, and a source that changed never reaches it.
  std::string bytes;
  std::string buf(kReadChunk, '\0');
  while (true) {
    FERRY_ASSIGN_OR_RETURN(size_t n, source->Read(buf.data(), buf.size()));
    if (n == 0) break;
    bytes.append(buf.data(), n);
  }
  if (meta.expected_hash && HashBytes(bytes) != *meta.expected_hash) {
    return Status::Conflict("write " + path + " in space " + db_path_ +
                            ": the source changed while it was copied; not replaced");
  }
  std::lock_guard<std::mutex> lock(mu_);
  return WriteRow(path, "file", bytes, meta.mtime_ns, meta.mode, "write");
}

Status SpaceReplica::WriteSymlink(const std::string& path, const std::string& target) {
  FERRY_RETURN_IF_ERROR(CheckPath(path));
  std::lock_guard<std::mutex> lock(mu_);
  return WriteRow(path, "symlink", target, env_->NowUnixNanos(), 0777, "symlink");
}

Status SpaceReplica::CreateDir(const std::string& path, uint32_t mode) {
  FERRY_RETURN_IF_ERROR(CheckPath(path));
  std::lock_guard<std::mutex> lock(mu_);
  FERRY_RETURN_IF_ERROR(MaybeOpen(/*create=*/true));
  return db_->InTransaction([&]() -> Status {
    FERRY_RETURN_IF_ERROR(EnsureParents(path, "mkdir"));
    FERRY_ASSIGN_OR_RETURN(auto one, db_->Prepare(kSelectOne));
    one->Bind(1, path);
    FERRY_ASSIGN_OR_RETURN(bool found, one->Step());
    if (found) {
      FERRY_ASSIGN_OR_RETURN(ReplicaEntry e, EntryFromRow(*one));
      if (e.kind == EntryKind::kDir) return Status::OK();
      return Status::AlreadyExists("mkdir " + path + " in space " + db_path_ +
                                   ": exists and is not a directory");
    }
    one.reset();
    // Absent, or implied by documents under it: stored from now on.
    FERRY_ASSIGN_OR_RETURN(auto insert, db_->Prepare(kInsert));
    insert->Bind(1, path).Bind(2, "dir").BindBlob(3, "").Bind(4, env_->NowUnixNanos());
    insert->Bind(5, int64_t{mode});
    return insert->Step().status();
  });
}

Status SpaceReplica::RemoveDir(const std::string& path) {
  FERRY_RETURN_IF_ERROR(CheckPath(path));
  std::lock_guard<std::mutex> lock(mu_);
  FERRY_RETURN_IF_ERROR(MaybeOpen(/*create=*/false));
  FERRY_ASSIGN_OR_RETURN(ReplicaEntry e, Lookup(path));
  if (e.kind != EntryKind::kDir) {
    return Status::InvalidArgument("rmdir " + path + " in space " + db_path_ + ": not a directory");
  }
  return db_->InTransaction([&]() -> Status {
    FERRY_ASSIGN_OR_RETURN(auto under, db_->Prepare(kAnyUnder));
    under->Bind(1, path + "/").Bind(2, path + "0");
    FERRY_ASSIGN_OR_RETURN(bool has_children, under->Step());
    if (has_children) {
      return Status::IoError("rmdir " + path + " in space " + db_path_ + ": directory not empty");
    }
    under.reset();
    FERRY_ASSIGN_OR_RETURN(auto del, db_->Prepare(kDelete));
    del->Bind(1, path);
    return del->Step().status();
  });
}

Status SpaceReplica::MoveTree(const std::string& from, const std::string& to,
                              const std::string& op) {
  std::string what = op + " " + from + " to " + to + " in space " + db_path_;
  if (IsUnder(to, from)) return Status::InvalidArgument(what + ": the target is inside it");
  FERRY_RETURN_IF_ERROR(Lookup(from).status());
  Result<ReplicaEntry> taken = Lookup(to);
  if (taken.ok()) {
    return Status::AlreadyExists(what + ": the target exists; ferry never renames over a document");
  }
  if (!taken.status().IsNotFound()) return taken.status();
  FERRY_RETURN_IF_ERROR(EnsureParents(to, op));
  {
    FERRY_ASSIGN_OR_RETURN(auto move, db_->Prepare(kMovePath));
    move->Bind(1, from).Bind(2, to);
    FERRY_RETURN_IF_ERROR(move->Step().status());
  }
  // Everything under `from`, by id: the ids (inodes) stay, only the paths change. Collected
  // first so the updates do not run under an open scan of the same rows.
  std::vector<std::pair<int64_t, std::string>> under;
  {
    FERRY_ASSIGN_OR_RETURN(auto rows, db_->Prepare(kSelectUnder));
    rows->Bind(1, from + "/").Bind(2, from + "0");
    while (true) {
      FERRY_ASSIGN_OR_RETURN(bool row, rows->Step());
      if (!row) break;
      under.emplace_back(rows->Int(0), rows->Text(1));
    }
  }
  for (const auto& [id, path] : under) {
    FERRY_ASSIGN_OR_RETURN(auto move, db_->Prepare(kMoveId));
    move->Bind(1, id).Bind(2, to + path.substr(from.size()));
    FERRY_RETURN_IF_ERROR(move->Step().status());
  }
  return Status::OK();
}

Status SpaceReplica::Rename(const std::string& from, const std::string& to) {
  FERRY_RETURN_IF_ERROR(CheckPath(from));
  FERRY_RETURN_IF_ERROR(CheckPath(to));
  std::lock_guard<std::mutex> lock(mu_);
  FERRY_RETURN_IF_ERROR(MaybeOpen(/*create=*/false));
  if (!db_) return Lookup(from).status();
  return db_->InTransaction([&] { return MoveTree(from, to, "rename"); });
}

Status SpaceReplica::MoveToBackup(const std::string& path, const std::string& backup_path) {
  FERRY_RETURN_IF_ERROR(CheckPath(path));
  FERRY_RETURN_IF_ERROR(CheckPath(backup_path));
  std::lock_guard<std::mutex> lock(mu_);
  FERRY_RETURN_IF_ERROR(MaybeOpen(/*create=*/false));
  if (!db_) return Lookup(path).status();
  return db_->InTransaction([&] { return MoveTree(path, backup_path, "backup"); });
}

Status SpaceReplica::PreserveInBackup(const std::string& path, const std::string& backup_path) {
  FERRY_RETURN_IF_ERROR(CheckPath(path));
  FERRY_RETURN_IF_ERROR(CheckPath(backup_path));
  std::lock_guard<std::mutex> lock(mu_);
  FERRY_RETURN_IF_ERROR(MaybeOpen(/*create=*/false));
  FERRY_ASSIGN_OR_RETURN(ReplicaEntry e, Lookup(path));
  if (e.kind == EntryKind::kDir) {
    return Status::InvalidArgument("backup " + path + " in space " + db_path_ +
                                   ": only documents and links are kept by copy; move a "
                                   "directory");
  }
  return db_->InTransaction([&]() -> Status {
    Result<ReplicaEntry> taken = Lookup(backup_path);
    if (taken.ok()) {
      return Status::AlreadyExists("backup " + path + " to " + backup_path + " in space " +
                                   db_path_ + ": the backup name is taken");
    }
    if (!taken.status().IsNotFound()) return taken.status();
    FERRY_RETURN_IF_ERROR(EnsureParents(backup_path, "backup"));
    // A copy of the row (content, updated_at, mode) under a new id: no hardlinks in a table.
    FERRY_ASSIGN_OR_RETURN(auto copy, db_->Prepare(kInsertCopy));
    copy->Bind(1, path).Bind(2, backup_path);
    return copy->Step().status();
  });
}

}  // namespace ferry::sync
