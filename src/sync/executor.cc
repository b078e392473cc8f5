#include "sync/executor.h"

#include <algorithm>
#include <optional>
#include <string_view>

namespace ferry::sync {
namespace {

Observed ObservedFrom(const ReplicaEntry& e, const ContentHash& hash) {
  Observed o;  // no path: LandedVersions keys it
  o.kind = e.kind;
  o.size = e.size;
  o.mtime_ns = e.mtime_ns;
  o.inode = e.inode;
  o.mode = static_cast<uint16_t>(e.mode);  // Land checked ModeFits
  o.hash = hash;
  o.state = ChangeState::kModified;  // "present"; the state itself is not used here
  return o;
}

class Executor {
 public:
  Executor(Replica* a, Replica* b, int64_t started_at_ns, std::string backup_dir)
      : a_(a), b_(b), started_at_ns_(started_at_ns), backup_dir_(std::move(backup_dir)) {}

  // Runs one action; kCancelled stops the whole run.
  Result<ActionOutcome> Run(const SyncAction& act);

  LandedVersions& landed() { return landed_; }

 private:
  Replica* On(Side side) const { return side == Side::kA ? a_ : b_; }
  // A backup path on `r` nothing occupies yet. Two runs can start in the same second (a run
  // healing a crashed one does); reusing a name would replace the earlier backup, or, when a
  // crash left the same file under both names, make the move a no-op (rename(2) between two
  // links of one inode does nothing). So a taken name gets ".1", ".2"... on its time segment.
  Result<std::string> Backup(Replica* r, const std::string& path) const;
  // Keeps the version at `path` (described by `target`) in the backup area before it goes.
  Status KeepAside(Replica* r, const std::string& path, const Expectation& target, bool move);
  Status Apply(const SyncAction& act);
  // Records what `side` now holds at `path`, with the content hash the plan knows.
  Status Land(Side side, const std::string& path, const ContentHash& hash);

  Replica* a_;
  Replica* b_;
  int64_t started_at_ns_;
  std::string backup_dir_;
  LandedVersions landed_;
};

Result<std::string> Executor::Backup(Replica* r, const std::string& path) const {
  std::string stamp = CompactUtcTime(started_at_ns_);
  for (int n = 0;; ++n) {
    std::string candidate =
        backup_dir_ + "/" + stamp + (n == 0 ? "" : "." + std::to_string(n)) + "/" + path;
    Result<ReplicaEntry> taken = r->Stat(candidate);
    if (taken.status().IsNotFound()) return candidate;
    if (!taken.ok()) return taken.status();
  }
}

Status Executor::KeepAside(Replica* r, const std::string& path, const Expectation& target,
                           bool move) {
  if (!target.present) return Status::OK();
  // A directory being replaced by a file or link is empty by now (its contents were deleted
  // earlier in the plan) and moves as a whole; anything left in it moves with it.
  FERRY_ASSIGN_OR_RETURN(std::string backup, Backup(r, path));
  if (move || target.kind == EntryKind::kDir) return r->MoveToBackup(path, backup);
  return r->PreserveInBackup(path, backup);
}

Status Executor::Land(Side side, const std::string& path, const ContentHash& hash) {
  FERRY_ASSIGN_OR_RETURN(ReplicaEntry e, On(side)->Stat(path));
  FERRY_RETURN_IF_ERROR(CheckModeFits(path, e.mode));
  landed_.side(side)[path] = ObservedFrom(e, hash);
  return Status::OK();
}

Status Executor::Apply(const SyncAction& act) {
  Replica* target = On(act.side);
  Replica* source = On(OtherSide(act.side));
  switch (act.op) {
    case ActionOp::kRename:
      FERRY_RETURN_IF_ERROR(target->Rename(act.path, act.to_path));
      landed_.side(act.side)[act.path] = std::nullopt;
      return Land(act.side, act.to_path, act.source.hash);
    case ActionOp::kDelete:
    case ActionOp::kRemoveDir:
      if (act.op == ActionOp::kDelete) {
        FERRY_RETURN_IF_ERROR(KeepAside(target, act.path, act.target, /*move=*/true));
      } else {
        FERRY_RETURN_IF_ERROR(target->RemoveDir(act.path));
      }
      landed_.side(act.side)[act.path] = std::nullopt;
      return Status::OK();
    case ActionOp::kMakeDir:
      if (act.target.present && act.target.kind != EntryKind::kDir) {
        FERRY_RETURN_IF_ERROR(KeepAside(target, act.path, act.target, /*move=*/true));
      }
      FERRY_RETURN_IF_ERROR(target->CreateDir(act.path, act.source.mode ? act.source.mode : 0755));
      return Land(act.side, act.path, ContentHash{});
    case ActionOp::kCopy: {
      FERRY_RETURN_IF_ERROR(KeepAside(target, act.path, act.target, /*move=*/false));
      if (act.source.kind == EntryKind::kSymlink) {
        FERRY_ASSIGN_OR_RETURN(ReplicaEntry link, source->Stat(act.path));
        if (HashBytes(link.link_target) != act.source.hash) {
          return Status::Conflict("copy " + act.path + ": the link changed during the sync");
        }
        FERRY_RETURN_IF_ERROR(target->WriteSymlink(act.path, link.link_target));
      } else {
        FERRY_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> in, source->OpenRead(act.path));
        WriteMeta meta{act.source.mtime_ns, act.source.mode ? act.source.mode : 0644,
                       act.source.hash};
        FERRY_RETURN_IF_ERROR(target->WriteFile(act.path, in.get(), meta));
      }
      return Land(act.side, act.path, act.source.hash);
    }
  }
  return Status::Internal("unknown sync action");
}

Result<ActionOutcome> Executor::Run(const SyncAction& act) {
  Replica* target = On(act.side);
  Replica* source = On(OtherSide(act.side));
  const std::string& target_path = act.op == ActionOp::kRename ? act.to_path : act.path;
  auto changed = [&](const std::string& where) {
    return ActionOutcome{ActionResult::kChanged,
                         Status::Conflict(std::string(ActionOpName(act.op)) + " " + act.path +
                                          ": " + where + " changed during the sync; skipped")};
  };
  if (act.op == ActionOp::kMakeDir) {
    // A rename earlier in the plan may have made this directory already, as a parent.
    Result<ReplicaEntry> now = target->Stat(act.path);
    if (now.ok() && now->kind == EntryKind::kDir) {
      Status landed = Land(act.side, act.path, ContentHash{});
      if (!landed.ok()) return ActionOutcome{ActionResult::kFailed, landed};
      return ActionOutcome{};
    }
  }
  Result<bool> target_ok = CheckExpectation(target, target_path, act.target);
  if (!target_ok.ok()) return ActionOutcome{ActionResult::kFailed, target_ok.status()};
  if (!*target_ok) return changed(std::string(SideName(act.side)) + "'s " + target_path);
  if (act.op == ActionOp::kCopy || act.op == ActionOp::kMakeDir || act.op == ActionOp::kRename) {
    Replica* from = act.op == ActionOp::kRename ? target : source;
    Side from_side = act.op == ActionOp::kRename ? act.side : OtherSide(act.side);
    Result<bool> source_ok = CheckExpectation(from, act.path, act.source);
    if (!source_ok.ok()) return ActionOutcome{ActionResult::kFailed, source_ok.status()};
    if (!*source_ok) return changed(std::string(SideName(from_side)) + "'s " + act.path);
  }
  Status s = Apply(act);
  if (s.IsCancelled()) return s;
  if (s.code() == StatusCode::kConflict) return ActionOutcome{ActionResult::kChanged, s};
  if (!s.ok()) return ActionOutcome{ActionResult::kFailed, s};
  return ActionOutcome{};
}

}  // namespace

Result<bool> CheckExpectation(Replica* replica, const std::string& path, const Expectation& want) {
  Result<ReplicaEntry> now = replica->Stat(path);
  if (!now.ok()) {
    if (now.status().IsNotFound()) return !want.present;
    return now.status();
  }
  if (!want.present || now->kind != want.kind) return false;
  if (want.kind == EntryKind::kDir) return true;
  if (SameStamp(*now, want.kind, want.size, want.mtime_ns, want.inode)) return true;
  if (now->size != want.size) return false;
  FERRY_ASSIGN_OR_RETURN(ContentHash hash, HashEntry(replica, *now));
  return hash == want.hash;
}

Result<ExecuteResult> ExecutePlan(Replica* a, Replica* b, const SyncPlan& plan,
                                  int64_t started_at_ns, const ExecuteOptions& options) {
  ExecuteResult out;
  Executor executor(a, b, started_at_ns,
                    options.backup_dir.empty() ? std::string(kTrashDirName) : options.backup_dir);
  for (const SyncAction& act : plan.actions) {
    FERRY_ASSIGN_OR_RETURN(ActionOutcome outcome, executor.Run(act));
    if (options.on_action) options.on_action(act, outcome);
    switch (outcome.result) {
      case ActionResult::kDone:
        if (act.op == ActionOp::kRename) {
          ++out.renamed;
        } else if (act.op == ActionOp::kDelete || act.op == ActionOp::kRemoveDir) {
          ++out.deleted;
        } else if (act.target.present) {
          ++out.updated;
        } else {
          ++out.created;
        }
        break;
      case ActionResult::kChanged:
        ++out.changed;
        break;
      case ActionResult::kFailed:
        ++out.failed;
        break;
    }
    out.outcomes.push_back(std::move(outcome));
  }
  out.landed = std::move(executor.landed());
  return out;
}

}  // namespace ferry::sync
