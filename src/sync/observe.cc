#include "sync/observe.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace ferry::sync {
namespace {

Observed FromEntry(const ReplicaEntry& e, ChangeState state) {
  Observed o;
  o.size = e.size;
  o.mtime_ns = e.mtime_ns;
  o.inode = e.inode;
  o.mode = static_cast<uint16_t>(e.mode);  // the walk checked ModeFits
  o.kind = e.kind;
  o.state = state;
  return o;
}

// Hashes every entry of `changes` (each created, or with a changed stamp) on `threads`
// threads. An entry that vanished since the walk becomes kAbsent (each thread writes only the
// entries it took, so no lock). Links are hashed from
// `link_targets` (by index in `changes`), which the walk kept aside: an Observed has no room
// for a target, so a first sync of 100,000 files holds one compact record per file.
Status HashChanges(Replica* replica, Observations* seen,
                   const std::unordered_map<size_t, std::string>& link_targets, size_t threads) {
  std::deque<Observed>* changes = &seen->changes;
  std::atomic<size_t> next{0};
  std::mutex mu;
  Status first_error;
  auto work = [&] {
    while (true) {
      size_t i = next.fetch_add(1);
      if (i >= changes->size()) return;
      Observed& o = (*changes)[i];
      ReplicaEntry entry;
      entry.path = seen->path(o);
      entry.kind = o.kind;
      entry.size = o.size;
      if (o.kind == EntryKind::kSymlink) entry.link_target = link_targets.at(i);
      Result<ContentHash> hash = HashEntry(replica, entry);
      if (hash.ok()) {
        o.hash = *hash;
      } else if (hash.status().IsNotFound()) {
        o.state = ChangeState::kAbsent;
      } else {
        std::lock_guard<std::mutex> lock(mu);
        if (first_error.ok()) first_error = hash.status();
      }
    }
  };
  size_t n = std::max<size_t>(1, std::min(threads, changes->size()));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < n; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  return first_error;
}

}  // namespace

Status Observations::Add(std::string_view path, const Observed& o) {
  FERRY_ASSIGN_OR_RETURN(uint32_t offset, paths.Add(path));
  changes.push_back(o);
  changes.back().path_offset_ = offset;
  return Status::OK();
}

Status CheckModeFits(std::string_view path, uint32_t mode) {
  if (ModeFits(mode)) return Status::OK();
  char octal[16];
  std::snprintf(octal, sizeof octal, "%o", mode);
  return Status::InvalidArgument("sync: " + std::string(path) + " has mode " + octal +
                                 ", wider than any file mode (16 bits); fix it on its replica");
}

void Observations::SortByPath() {
  std::stable_sort(changes.begin(), changes.end(),
                   [this](const Observed& x, const Observed& y) { return path(x) < path(y); });
}

std::string_view ChangeStateName(ChangeState state) {
  switch (state) {
    case ChangeState::kAbsent:
      return "absent";
    case ChangeState::kUnchanged:
      return "unchanged";
    case ChangeState::kCreated:
      return "created";
    case ChangeState::kModified:
      return "modified";
    case ChangeState::kDeleted:
      return "deleted";
  }
  return "absent";
}

Result<Observations> ObserveReplica(Replica* replica, const Baseline& baseline, Side side,
                                    size_t hash_threads) {
  Observations out;
  FERRY_ASSIGN_OR_RETURN(out.root_state, replica->GetRootState());
  const std::vector<BaselineRecord>& records = baseline.records();
  std::vector<bool> seen(records.size(), false);
  std::unordered_map<size_t, std::string> link_targets;  // index in out.changes -> target
  if (out.root_state != RootState::kMissing) {
    FERRY_RETURN_IF_ERROR(replica->List([&](ReplicaEntry e) {
      ++out.listed;
      FERRY_RETURN_IF_ERROR(CheckModeFits(e.path, e.mode));
      ChangeState state = ChangeState::kCreated;
      const BaselineRecord* r = baseline.Find(e.path);
      if (r != nullptr) {
        seen[r - records.data()] = true;
        const SideStamp& s = StampOf(*r, side);
        if (SameStamp(e, r->kind, r->size, s.mtime_ns, s.inode)) return Status::OK();
        state = ChangeState::kModified;
      }
      if (e.kind == EntryKind::kSymlink) {
        link_targets.emplace(out.changes.size(), std::move(e.link_target));
      }
      return out.Add(e.path, FromEntry(e, state));
    }));
  }
  // Every change so far is a candidate to hash (created or stamp changed).
  FERRY_RETURN_IF_ERROR(HashChanges(replica, &out, link_targets, hash_threads));
  link_targets.clear();
  out.hashed = out.changes.size();
  for (size_t i = 0; i < out.changes.size(); ++i) {
    Observed& o = out.changes[i];
    const BaselineRecord* r = baseline.Find(out.path(o));
    if (o.state == ChangeState::kAbsent) {
      // Vanished since the walk: deleted if the baseline had it, else never there.
      if (r != nullptr) seen[r - records.data()] = false;
      o.state = ChangeState::kAbsent;
      continue;
    }
    if (r != nullptr && r->kind == o.kind && r->hash == o.hash) o.state = ChangeState::kUnchanged;
  }
  std::erase_if(out.changes, [](const Observed& o) { return o.state == ChangeState::kAbsent; });
  for (size_t i = 0; i < records.size(); ++i) {
    if (seen[i]) continue;
    Observed o;
    o.kind = records[i].kind;
    o.size = records[i].size;
    o.hash = records[i].hash;
    o.state = ChangeState::kDeleted;
    FERRY_RETURN_IF_ERROR(out.Add(baseline.path(records[i]), o));
  }
  // Paths are unique here, so std::sort: in place, where stable_sort would allocate a buffer
  // of up to half the changes (3.6 MB at a first sync of 100,000 files).
  std::sort(out.changes.begin(), out.changes.end(),
            [&out](const Observed& x, const Observed& y) { return out.path(x) < out.path(y); });
  return out;
}

}  // namespace ferry::sync
