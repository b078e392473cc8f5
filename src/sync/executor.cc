#include "sync/executor.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string_view>

namespace ferry::sync {
namespace {

// What a side holds at a path after the plan, as far as the executor changed it.
using Landed = std::optional<Observed>;  // nullopt: nothing there
using LandedKey = std::pair<Side, std::string>;

Observed ObservedFrom(const ReplicaEntry& e, const ContentHash& hash) {
  Observed o;
  o.path = e.path;
  o.kind = e.kind;
  o.size = e.size;
  o.mtime_ns = e.mtime_ns;
  o.inode = e.inode;
  o.mode = e.mode;
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

  std::map<LandedKey, Landed>& landed() { return landed_; }

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
  std::map<LandedKey, Landed> landed_;
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
  landed_[{side, path}] = ObservedFrom(e, hash);
  return Status::OK();
}

Status Executor::Apply(const SyncAction& act) {
  Replica* target = On(act.side);
  Replica* source = On(OtherSide(act.side));
  switch (act.op) {
    case ActionOp::kRename:
      FERRY_RETURN_IF_ERROR(target->Rename(act.path, act.to_path));
      landed_[{act.side, act.path}] = std::nullopt;
      return Land(act.side, act.to_path, act.source.hash);
    case ActionOp::kDelete:
    case ActionOp::kRemoveDir:
      if (act.op == ActionOp::kDelete) {
        FERRY_RETURN_IF_ERROR(KeepAside(target, act.path, act.target, /*move=*/true));
      } else {
        FERRY_RETURN_IF_ERROR(target->RemoveDir(act.path));
      }
      landed_[{act.side, act.path}] = std::nullopt;
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

// The record for a path both sides now hold identically, or nullopt.
std::optional<BaselineRecord> Agreed(const Observed& a, const Observed& b) {
  if (!a.present() || !b.present() || a.kind != b.kind || a.hash != b.hash) return std::nullopt;
  BaselineRecord r;
  r.kind = a.kind;
  r.size = a.size;
  r.hash = a.hash;
  r.a = {a.mtime_ns, a.inode, a.mode};
  r.b = {b.mtime_ns, b.inode, b.mode};
  return r;
}

Observed Unchanged(const BaselineRecord& r, Side side) {
  Observed o;  // no path: NewBaseline has it
  const SideStamp& s = StampOf(r, side);
  o.kind = r.kind;
  o.size = r.size;
  o.hash = r.hash;
  o.mtime_ns = s.mtime_ns;
  o.inode = s.inode;
  o.mode = s.mode;
  o.state = ChangeState::kUnchanged;
  return o;
}

Result<Baseline> NewBaseline(const Baseline& old, const Observations& a_seen,
                             const Observations& b_seen,
                             const std::map<LandedKey, Landed>& landed) {
  // Every path anything is known about beyond "unchanged since the baseline", pointing at
  // what each side now holds: what the executor landed there, else what was observed. Views
  // and pointers, not copies: at a first sync every path of both trees is in here.
  static const Observed kNothing;  // landed as "nothing there"
  struct Known {
    std::string_view path;
    const Observed* a = nullptr;
    const Observed* b = nullptr;
  };
  std::vector<Known> known;
  auto by_path = [](const Observed& x, const Observed& y) { return x.path < y.path; };
  // ObserveReplica returns its changes sorted by path and unique; anything else (a caller's
  // own observations) takes the general path below.
  bool merged = std::is_sorted(a_seen.changes.begin(), a_seen.changes.end(), by_path) &&
                std::is_sorted(b_seen.changes.begin(), b_seen.changes.end(), by_path);
  if (merged) {  // one merge, one entry per path
    size_t na = a_seen.changes.size(), nb = b_seen.changes.size(), i = 0, j = 0, both = 0;
    for (size_t x = 0, y = 0; x < na && y < nb;) {  // counted first: reserved exactly
      int c = a_seen.changes[x].path.compare(b_seen.changes[y].path);
      both += c == 0;
      x += c <= 0;
      y += c >= 0;
    }
    known.reserve(na + nb - both + landed.size());
    while (i < na || j < nb) {
      const Observed* a = i < na ? &a_seen.changes[i] : nullptr;
      const Observed* b = j < nb ? &b_seen.changes[j] : nullptr;
      int c = !a ? 1 : !b ? -1 : a->path.compare(b->path);
      if (c == 0) {
        known.push_back({a->path, a, b});
      } else if (c < 0) {
        known.push_back({a->path, a, nullptr});
      } else {
        known.push_back({b->path, nullptr, b});
      }
      i += c <= 0;
      j += c >= 0;
    }
  } else {
    known.reserve(a_seen.changes.size() + b_seen.changes.size() + landed.size());
    for (const Observed& o : a_seen.changes) known.push_back({o.path, &o, nullptr});
    for (const Observed& o : b_seen.changes) known.push_back({o.path, nullptr, &o});
  }
  if (!merged || !landed.empty()) {
    for (const auto& [key, what] : landed) {  // after the observations: they override them
      const Observed* now = what ? &*what : &kNothing;
      known.push_back(key.first == Side::kA ? Known{key.second, now, nullptr}
                                            : Known{key.second, nullptr, now});
    }
    std::stable_sort(known.begin(), known.end(),
                     [](const Known& x, const Known& y) { return x.path < y.path; });
    size_t folded = 0;  // one entry per path, the latest word of each side
    for (size_t i = 0; i < known.size(); ++i) {
      if (folded > 0 && known[folded - 1].path == known[i].path) {
        if (known[i].a) known[folded - 1].a = known[i].a;
        if (known[i].b) known[folded - 1].b = known[i].b;
      } else {
        known[folded++] = known[i];
      }
    }
    known.resize(folded);
  }

  std::vector<std::pair<std::string, BaselineRecord>> records;
  records.reserve(old.size() + known.size());
  auto k = known.begin();
  for (const BaselineRecord& r : old.records()) {  // both sorted by path: one merge
    std::string_view path = old.path(r);
    while (k != known.end() && k->path < path) ++k;
    if (k == known.end() || k->path != path) records.emplace_back(path, r);  // untouched
  }
  for (const Known& kn : known) {
    const BaselineRecord* previous = old.Find(kn.path);
    Observed a = kn.a ? *kn.a : (previous ? Unchanged(*previous, Side::kA) : Observed{});
    Observed b = kn.b ? *kn.b : (previous ? Unchanged(*previous, Side::kB) : Observed{});
    if (std::optional<BaselineRecord> r = Agreed(a, b)) {
      records.emplace_back(kn.path, *r);
    } else if (previous != nullptr && (a.present() || b.present())) {
      records.emplace_back(kn.path, *previous);  // not in agreement: the last agreed state stays
    }
  }
  Baseline out(old.id_a(), old.id_b());
  FERRY_RETURN_IF_ERROR(out.SetRecords(std::move(records)));
  return out;
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
                                  const Baseline& baseline, const Observations& a_seen,
                                  const Observations& b_seen, int64_t started_at_ns,
                                  const ExecuteOptions& options) {
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
  FERRY_ASSIGN_OR_RETURN(out.baseline, NewBaseline(baseline, a_seen, b_seen, executor.landed()));
  return out;
}

}  // namespace ferry::sync
