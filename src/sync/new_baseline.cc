#include "sync/new_baseline.h"

#include <string_view>

namespace ferry::sync {
namespace {

using LandedMap = std::map<std::string, std::optional<Observed>, std::less<>>;

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

// What `r` says `side` holds: the version the sync left unchanged. No path: the caller has it.
Observed Unchanged(const BaselineRecord& r, Side side) {
  Observed o;
  const SideStamp& s = StampOf(r, side);
  o.kind = r.kind;
  o.size = r.size;
  o.hash = r.hash;
  o.mtime_ns = s.mtime_ns;
  o.inode = s.inode;
  // A baseline's modes are ones an Observed held (16 bits), unless the file was made by hand.
  o.mode = static_cast<uint16_t>(s.mode);
  o.state = ChangeState::kUnchanged;
  return o;
}

}  // namespace

Status ForEachNewRecord(const Baseline& old, const Observations& a_seen, const Observations& b_seen,
                        const LandedVersions& landed, const BaselineRecordVisitor& visit) {
  static const Observed kNothing;  // landed as "nothing there", or never there
  const std::deque<Observed>& ac = a_seen.changes;
  const std::deque<Observed>& bc = b_seen.changes;
  const LandedMap& la = landed.on[0];
  const LandedMap& lb = landed.on[1];
  size_t i = 0, ja = 0, jb = 0;
  auto ka = la.begin(), kb = lb.begin();
  // The last path merged (a view into the inputs, which stay put): every input must be past it.
  std::optional<std::string_view> last;
  while (true) {
    // The smallest next path of the five sorted inputs.
    std::optional<std::string_view> next;
    auto consider = [&](bool has, std::string_view p) {
      if (has && (!next || p < *next)) next = p;
    };
    consider(i < old.size(), i < old.size() ? old.path(i) : std::string_view());
    consider(ja < ac.size(), ja < ac.size() ? a_seen.path(ac[ja]) : std::string_view());
    consider(jb < bc.size(), jb < bc.size() ? b_seen.path(bc[jb]) : std::string_view());
    consider(ka != la.end(), ka != la.end() ? std::string_view(ka->first) : std::string_view());
    consider(kb != lb.end(), kb != lb.end() ? std::string_view(kb->first) : std::string_view());
    if (!next) return Status::OK();
    std::string_view path = *next;
    if (last && !(*last < path)) {
      // An input out of order or with a path twice: merging on would drop or repeat records.
      return Status::Internal("sync: the observations are not sorted by path at '" +
                              std::string(path) + "'");
    }
    const BaselineRecord* record =
        i < old.size() && old.path(i) == path ? &old.records()[i++] : nullptr;
    const Observed* a = ja < ac.size() && a_seen.path(ac[ja]) == path ? &ac[ja++] : nullptr;
    const Observed* b = jb < bc.size() && b_seen.path(bc[jb]) == path ? &bc[jb++] : nullptr;
    if (ka != la.end() && ka->first == path) {  // what the executor did overrides what was seen
      a = ka->second ? &*ka->second : &kNothing;
      ++ka;
    }
    if (kb != lb.end() && kb->first == path) {
      b = kb->second ? &*kb->second : &kNothing;
      ++kb;
    }
    last = path;
    if (a == nullptr && b == nullptr) {
      FERRY_RETURN_IF_ERROR(visit(path, *record));  // unchanged on both sides, untouched
      continue;
    }
    Observed unchanged_a, unchanged_b;
    if (a == nullptr) a = record ? &(unchanged_a = Unchanged(*record, Side::kA)) : &kNothing;
    if (b == nullptr) b = record ? &(unchanged_b = Unchanged(*record, Side::kB)) : &kNothing;
    if (std::optional<BaselineRecord> agreed = Agreed(*a, *b)) {
      FERRY_RETURN_IF_ERROR(visit(path, *agreed));
    } else if (record != nullptr && (a->present() || b->present())) {
      FERRY_RETURN_IF_ERROR(visit(path, *record));  // not in agreement: the last agreement stays
    }
  }
}

BaselineRecordSource NewBaselineSource(const Baseline& old, const Observations& a_seen,
                                       const Observations& b_seen, const LandedVersions& landed) {
  return [&old, &a_seen, &b_seen, &landed](const BaselineRecordVisitor& visit) {
    return ForEachNewRecord(old, a_seen, b_seen, landed, visit);
  };
}

Result<Baseline> NewBaseline(const Baseline& old, const Observations& a_seen,
                             const Observations& b_seen, const LandedVersions& landed) {
  Baseline out(old.id_a(), old.id_b());
  FERRY_RETURN_IF_ERROR(ForEachNewRecord(
      old, a_seen, b_seen, landed,
      [&](std::string_view path, const BaselineRecord& r) { return out.Append(path, r); }));
  return out;
}

}  // namespace ferry::sync
