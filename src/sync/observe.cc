#include "sync/observe.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

namespace ferry::sync {
namespace {

Observed FromEntry(const ReplicaEntry& e, ChangeState state) {
  Observed o;
  o.path = e.path;
  o.size = e.size;
  o.mtime_ns = e.mtime_ns;
  o.inode = e.inode;
  o.mode = e.mode;
  o.kind = e.kind;
  o.state = state;
  return o;
}

// Hashes the candidates (created, or stamp changed) on `threads` threads. A candidate that
// vanished since the walk comes back with *gone set.
struct Candidate {
  Observed* observed;
  ReplicaEntry entry;
  bool gone = false;
};

Status HashCandidates(Replica* replica, std::vector<Candidate>* candidates, size_t threads) {
  std::atomic<size_t> next{0};
  std::mutex mu;
  Status first_error;
  auto work = [&] {
    while (true) {
      size_t i = next.fetch_add(1);
      if (i >= candidates->size()) return;
      Candidate& c = (*candidates)[i];
      Result<ContentHash> hash = HashEntry(replica, c.entry);
      if (hash.ok()) {
        c.observed->hash = *hash;
      } else if (hash.status().IsNotFound()) {
        c.gone = true;
      } else {
        std::lock_guard<std::mutex> lock(mu);
        if (first_error.ok()) first_error = hash.status();
      }
    }
  };
  size_t n = std::max<size_t>(1, std::min(threads, candidates->size()));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < n; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  return first_error;
}

}  // namespace

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
  // Entries needing a hash, kept aside (with the link target HashEntry needs) until the walk
  // is over, because `changes` may reallocate while it grows.
  std::vector<ReplicaEntry> to_hash;
  if (out.root_state != RootState::kMissing) {
    FERRY_RETURN_IF_ERROR(replica->List([&](ReplicaEntry e) {
      ++out.listed;
      const BaselineRecord* r = baseline.Find(e.path);
      if (r != nullptr) {
        seen[r - records.data()] = true;
        const SideStamp& s = StampOf(*r, side);
        if (SameStamp(e, r->kind, r->size, s.mtime_ns, s.inode)) return Status::OK();
        out.changes.push_back(FromEntry(e, ChangeState::kModified));
      } else {
        out.changes.push_back(FromEntry(e, ChangeState::kCreated));
      }
      to_hash.push_back(std::move(e));
      return Status::OK();
    }));
  }
  std::vector<Candidate> candidates;
  candidates.reserve(to_hash.size());
  for (size_t i = 0; i < to_hash.size(); ++i) {
    candidates.push_back(Candidate{&out.changes[i], std::move(to_hash[i])});
  }
  FERRY_RETURN_IF_ERROR(HashCandidates(replica, &candidates, hash_threads));
  out.hashed = candidates.size();
  for (Candidate& c : candidates) {
    Observed& o = *c.observed;
    const BaselineRecord* r = baseline.Find(o.path);
    if (c.gone) {
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
    o.path = records[i].path;
    o.kind = records[i].kind;
    o.size = records[i].size;
    o.hash = records[i].hash;
    o.state = ChangeState::kDeleted;
    out.changes.push_back(std::move(o));
  }
  std::sort(out.changes.begin(), out.changes.end(),
            [](const Observed& x, const Observed& y) { return x.path < y.path; });
  return out;
}

}  // namespace ferry::sync
