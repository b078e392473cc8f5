#include "sync/reconcile.h"

#include <algorithm>
#include <string_view>

namespace ferry::sync {
namespace {

bool Present(ChangeState s) {
  return s == ChangeState::kUnchanged || s == ChangeState::kCreated || s == ChangeState::kModified;
}
bool HasHistory(ChangeState s) {
  return s == ChangeState::kUnchanged || s == ChangeState::kModified || s == ChangeState::kDeleted;
}

// -1, 0, 1 as x compares to y.
template <typename T>
int Compare(const T& x, const T& y) {
  return x < y ? -1 : (y < x ? 1 : 0);
}

// The winner of a comparison where a positive `order` favours A; 0 falls to the next key.
std::optional<Side> ByKeys(std::initializer_list<int> orders) {
  for (int order : orders) {
    if (order > 0) return Side::kA;
    if (order < 0) return Side::kB;
  }
  return Side::kA;  // the same mtime, size and hash: only the kind differs; A, documented
}

// The observation of one side for a path: its change entry, or unchanged from the baseline
// record, or absent.
Observed SideView(const Observed* change, const BaselineRecord* record, Side side) {
  if (change != nullptr) return *change;
  Observed o;
  if (record == nullptr) return o;  // kAbsent
  const SideStamp& s = StampOf(*record, side);
  o.kind = record->kind;  // no path: Decide is given it, and nothing reads this one's
  o.size = record->size;
  o.hash = record->hash;
  o.mtime_ns = s.mtime_ns;
  o.inode = s.inode;
  // A baseline's modes are ones an Observed held (16 bits), unless the file was made by hand.
  o.mode = static_cast<uint16_t>(s.mode);
  o.state = ChangeState::kUnchanged;
  return o;
}

class Planner {
 public:
  Planner(const ReconcileOptions& options, SyncPlan* plan) : options_(options), plan_(plan) {}

  // Decides one path; returns whether it is present on (A, B) once the plan has run.
  std::pair<bool, bool> Decide(const std::string& path, const Observed& a, const Observed& b);

 private:
  bool MayChange(Side side) const {
    switch (options_.direction) {
      case Direction::kBoth:
        return true;
      case Direction::kAToB:
        return side == Side::kB;
      case Direction::kBToA:
        return side == Side::kA;
    }
    return true;
  }
  bool OneWay() const { return options_.direction != Direction::kBoth; }
  Side Target() const { return options_.direction == Direction::kBToA ? Side::kA : Side::kB; }

  void Copy(const std::string& path, Side to, const Expectation& source, const Expectation& target,
            std::string why);
  void Delete(const std::string& path, Side on, const Expectation& target, std::string why);
  void Skip(const std::string& path, std::string reason) {
    plan_->skipped.push_back({path, std::move(reason)});
  }
  std::string DirectionNote() const {
    return "direction " + std::string(DirectionName(options_.direction));
  }
  std::pair<bool, bool> ResolveConflict(const std::string& path, const Expectation& a,
                                        const Expectation& b);

  const ReconcileOptions& options_;
  SyncPlan* plan_;
};

void Planner::Copy(const std::string& path, Side to, const Expectation& source,
                   const Expectation& target, std::string why) {
  SyncAction act;
  act.op = source.kind == EntryKind::kDir ? ActionOp::kMakeDir : ActionOp::kCopy;
  act.side = to;
  act.path = path;
  act.source = source;
  act.target = target;
  act.why = std::move(why);
  plan_->actions.push_back(std::move(act));
}

void Planner::Delete(const std::string& path, Side on, const Expectation& target, std::string why) {
  SyncAction act;
  act.op = target.kind == EntryKind::kDir ? ActionOp::kRemoveDir : ActionOp::kDelete;
  act.side = on;
  act.path = path;
  act.target = target;
  act.why = std::move(why);
  plan_->actions.push_back(std::move(act));
}

std::pair<bool, bool> Planner::ResolveConflict(const std::string& path, const Expectation& a,
                                               const Expectation& b) {
  Conflict c;
  c.path = path;
  c.a = a;
  c.b = b;
  c.policy = options_.policy;
  if ((a.kind == EntryKind::kDir) != (b.kind == EntryKind::kDir)) {
    c.note = "a directory against a file or link is never resolved automatically";
    plan_->conflicts.push_back(std::move(c));
    return {true, true};
  }
  std::optional<Side> winner = PickWinner(options_.policy, a, b);
  bool keep_both = options_.policy == ConflictPolicy::kKeepBoth;
  // One way: the source's version is the one that travels, so keep-both keeps the target's
  // version aside instead of sending it back.
  if (OneWay() && keep_both) winner = OtherSide(Target());
  c.winner = winner;
  if (!winner) {
    c.note = "left untouched (policy " + std::string(ConflictPolicyName(options_.policy)) + ")";
    plan_->conflicts.push_back(std::move(c));
    return {true, true};
  }
  Side loser = OtherSide(*winner);
  const Expectation& win = *winner == Side::kA ? a : b;
  const Expectation& lose = *winner == Side::kA ? b : a;
  std::string why = "conflict (" + std::string(ConflictPolicyName(options_.policy)) +
                    "): " + std::string(SideName(*winner)) + " wins";
  if (!MayChange(loser)) {
    c.note = std::string(SideName(*winner)) + "'s version stays; " + DirectionNote() +
             " does not change " + std::string(SideName(loser));
    plan_->conflicts.push_back(std::move(c));
    return {true, true};
  }
  plan_->conflicts.push_back(std::move(c));
  if (keep_both) {
    std::string aside = ConflictCopyPath(path, loser, options_.started_at_ns);
    SyncAction rename;
    rename.op = ActionOp::kRename;
    rename.side = loser;
    rename.path = path;
    rename.to_path = aside;
    rename.source = lose;
    rename.why = why + "; " + std::string(SideName(loser)) + "'s version kept as " + aside;
    plan_->actions.push_back(rename);
    if (MayChange(*winner)) Copy(aside, *winner, lose, Expectation{}, rename.why);
    Copy(path, loser, win, Expectation{}, why);
  } else {
    Copy(path, loser, win, lose, why);
  }
  return {true, true};
}

std::pair<bool, bool> Planner::Decide(const std::string& path, const Observed& a,
                                      const Observed& b) {
  Expectation ea = ExpectationOf(a);
  Expectation eb = ExpectationOf(b);
  bool same = ea.present && eb.present && ea.kind == eb.kind && ea.hash == eb.hash;
  std::pair<bool, bool> now = {ea.present, eb.present};
  Verdict v = ClassifyPath(a.state, b.state, same);
  switch (v) {
    case Verdict::kNothing:
      return now;
    case Verdict::kEqual:
      ++plan_->equal;
      return now;
    case Verdict::kConflict:
      return ResolveConflict(path, ea, eb);
    case Verdict::kCopyAToB:
    case Verdict::kCopyBToA: {
      Side from = v == Verdict::kCopyAToB ? Side::kA : Side::kB;
      Side to = OtherSide(from);
      const Observed& src = from == Side::kA ? a : b;
      std::string why =
          std::string(ChangeStateName(src.state)) + " on " + std::string(SideName(from));
      if (MayChange(to)) {
        Copy(path, to, from == Side::kA ? ea : eb, from == Side::kA ? eb : ea, why);
        return {true, true};
      }
      // One way, and the change is on the target. An orphan (nothing on the source) goes
      // with --delete-orphans; anything else stays as it is.
      const Expectation& on_source = to == Side::kA ? ea : eb;
      if (!on_source.present && options_.delete_orphans) {
        Delete(path, from, from == Side::kA ? ea : eb, "orphan on " + std::string(SideName(from)));
        return {false, false};
      }
      Skip(path, why + ", not copied: " + DirectionNote());
      return now;
    }
    case Verdict::kDeleteOnA:
    case Verdict::kDeleteOnB: {
      Side on = v == Verdict::kDeleteOnA ? Side::kA : Side::kB;
      std::string why = "deleted on " + std::string(SideName(OtherSide(on)));
      if (MayChange(on) && (!OneWay() || options_.delete_orphans)) {
        Delete(path, on, on == Side::kA ? ea : eb, why);
        return {false, false};
      }
      Skip(path, why + ", not deleted on " + std::string(SideName(on)) + ": " + DirectionNote() +
                     (MayChange(on) ? " without --delete-orphans" : ""));
      return now;
    }
  }
  return now;
}

// A directory removal waiting to learn whether anything under it stays.
struct PendingRemoval {
  size_t action;       // index in plan->actions
  std::string prefix;  // "<dir>/"
  bool cancelled = false;
};

}  // namespace

Verdict ClassifyPath(ChangeState a, ChangeState b, bool same_content) {
  using S = ChangeState;
  bool history = HasHistory(a) && HasHistory(b);
  if (!history) {
    // First sync for this path (or an inconsistent baseline): presence decides, never delete.
    bool pa = Present(a);
    bool pb = Present(b);
    if (pa && pb) return same_content ? Verdict::kEqual : Verdict::kConflict;
    if (pa) return Verdict::kCopyAToB;
    if (pb) return Verdict::kCopyBToA;
    return Verdict::kNothing;
  }
  if (a == S::kUnchanged && b == S::kUnchanged) return Verdict::kNothing;
  if (a == S::kDeleted && b == S::kDeleted) return Verdict::kNothing;
  if (a == S::kModified && b == S::kModified) {
    return same_content ? Verdict::kEqual : Verdict::kConflict;
  }
  if (a == S::kModified) return Verdict::kCopyAToB;  // b unchanged, or deleted: keep the change
  if (b == S::kModified) return Verdict::kCopyBToA;
  if (a == S::kDeleted) return Verdict::kDeleteOnB;  // b unchanged
  return Verdict::kDeleteOnA;                        // b deleted, a unchanged
}

std::optional<Side> PickWinner(ConflictPolicy policy, const Expectation& a, const Expectation& b) {
  int mtime = Compare(a.mtime_ns, b.mtime_ns);
  int size = Compare(a.size, b.size);
  int hash = Compare(a.hash, b.hash);
  switch (policy) {
    case ConflictPolicy::kA:
      return Side::kA;
    case ConflictPolicy::kB:
      return Side::kB;
    case ConflictPolicy::kNewer:
    case ConflictPolicy::kKeepBoth:
      return ByKeys({mtime, size, hash});
    case ConflictPolicy::kOlder:
      return ByKeys({-mtime, size, hash});
    case ConflictPolicy::kLarger:
      return ByKeys({size, mtime, hash});
    case ConflictPolicy::kSkip:
    case ConflictPolicy::kManual:
      return std::nullopt;
  }
  return std::nullopt;
}

SyncPlan Reconcile(const Observations& a, const Observations& b, const Baseline& baseline,
                   const ReconcileOptions& options) {
  SyncPlan plan;
  Planner planner(options, &plan);
  const std::vector<BaselineRecord>& records = baseline.records();
  size_t i = 0, j = 0, k = 0;
  // Directory removals per side whose children may still come. Paths arrive in byte order, so
  // everything under "d/" arrives in one run, though not right after "d" ("d-x" sorts between
  // "d" and "d/x"): a removal is settled once a path sorts past its whole "d/" range.
  std::vector<PendingRemoval> pending[2];
  std::vector<size_t> cancelled;
  auto close = [&](std::vector<PendingRemoval>& open, const std::string& path, bool at_end) {
    std::erase_if(open, [&](const PendingRemoval& p) {
      bool passed = at_end || (path > p.prefix && !std::string_view(path).starts_with(p.prefix));
      if (passed && p.cancelled) cancelled.push_back(p.action);
      return passed;
    });
  };
  auto settle = [&](std::vector<PendingRemoval>& open, const std::string& path, bool present) {
    if (!present) return;
    for (PendingRemoval& p : open) {
      if (std::string_view(path).starts_with(p.prefix)) p.cancelled = true;
    }
  };
  while (i < records.size() || j < a.changes.size() || k < b.changes.size()) {
    std::optional<std::string_view> next;
    for (std::optional<std::string_view> p :
         {i < records.size() ? std::optional(baseline.path(i)) : std::nullopt,
          j < a.changes.size() ? std::optional(a.path(a.changes[j])) : std::nullopt,
          k < b.changes.size() ? std::optional(b.path(b.changes[k])) : std::nullopt}) {
      if (p && (!next || *p < *next)) next = p;
    }
    std::string path(*next);
    const BaselineRecord* record =
        i < records.size() && baseline.path(i) == path ? &records[i++] : nullptr;
    const Observed* ca =
        j < a.changes.size() && a.path(a.changes[j]) == path ? &a.changes[j++] : nullptr;
    const Observed* cb =
        k < b.changes.size() && b.path(b.changes[k]) == path ? &b.changes[k++] : nullptr;
    Observed va = SideView(ca, record, Side::kA);
    Observed vb = SideView(cb, record, Side::kB);
    close(pending[0], path, false);
    close(pending[1], path, false);
    size_t before = plan.actions.size();
    auto [final_a, final_b] = planner.Decide(path, va, vb);
    settle(pending[0], path, final_a);
    settle(pending[1], path, final_b);
    for (size_t x = before; x < plan.actions.size(); ++x) {
      const SyncAction& act = plan.actions[x];
      if (act.op == ActionOp::kRemoveDir) {
        pending[act.side == Side::kA ? 0 : 1].push_back({x, act.path + "/"});
      }
    }
  }
  close(pending[0], "", true);
  close(pending[1], "", true);
  // A directory something stays under is kept; the side that deleted it gets it back, so the
  // two sides agree again.
  std::vector<bool> drop(plan.actions.size(), false);
  std::vector<SyncAction> recreate;
  for (size_t x : cancelled) {
    drop[x] = true;
    const SyncAction& removal = plan.actions[x];
    Side other = OtherSide(removal.side);
    bool may = options.direction == Direction::kBoth ||
               (options.direction == Direction::kAToB ? other == Side::kB : other == Side::kA);
    if (!may) continue;
    SyncAction mk;
    mk.op = ActionOp::kMakeDir;
    mk.side = other;
    mk.path = removal.path;
    mk.source = removal.target;
    mk.why = "kept: something under it stays on " + std::string(SideName(removal.side));
    recreate.push_back(std::move(mk));
  }
  std::vector<SyncAction> kept;
  kept.reserve(plan.actions.size() + recreate.size());
  for (size_t x = 0; x < plan.actions.size(); ++x) {
    if (!drop[x]) kept.push_back(std::move(plan.actions[x]));
  }
  for (SyncAction& mk : recreate) kept.push_back(std::move(mk));
  plan.actions = std::move(kept);
  SortActionsForExecution(&plan.actions);
  return plan;
}

}  // namespace ferry::sync
