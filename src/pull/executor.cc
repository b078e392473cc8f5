#include "pull/executor.h"

#include <algorithm>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <utility>

#include "base/file_util.h"
#include "base/path.h"
#include "base/thread_pool.h"
#include "pull/pull_events.h"
#include "store/content_store.h"
#include "store/reference_counts.h"

namespace ferry::pull {
namespace {

TypeReport* ReportFor(SyncReport* r, Section s) {
  switch (s) {
    case Section::kDirectTables:
      return &r->direct_tables;
    case Section::kDataPackages:
      return &r->data_packages;
    case Section::kMemoryDomains:
      return &r->memory_domains;
  }
  return &r->direct_tables;
}

void SetEntry(SyncState* st, Section s, const std::string& package, const std::string& name,
              const TableRef& ref) {
  if (s == Section::kDirectTables) {
    st->direct_tables[name] = ref;
  } else {
    st->data_packages[package][name] = ref;
  }
}

void EraseEntry(SyncState* st, Section s, const std::string& package, const std::string& name) {
  if (s == Section::kDirectTables) {
    st->direct_tables.erase(name);
    return;
  }
  auto it = st->data_packages.find(package);
  if (it != st->data_packages.end()) it->second.erase(name);
}

// Restores the previous entry (or none) under this key.
void RevertEntry(SyncState* st, const LinkAction& a) {
  if (a.previous) {
    SetEntry(st, a.section, a.package, a.name, *a.previous);
  } else {
    EraseEntry(st, a.section, a.package, a.name);
  }
}

// Removes `dir`, a directory whose own entries ferry has just removed. Guarantees: OK when it
// is gone (or was already), or when it holds entries ferry did not create: then it is left in
// place and a note naming them is in *report. Any other failure is returned.
Status RemoveEmptiedDir(Env* env, const std::string& dir, SyncReport* report) {
  Status s = env->RemoveDir(dir);
  if (s.ok() || s.IsNotFound()) return Status::OK();
  Result<std::vector<DirEntry>> left = env->ListDir(dir);
  if (!left.ok() || left->empty()) return s;  // an empty directory that would not go
  std::string names;
  for (const DirEntry& e : *left) names += (names.empty() ? "" : ", ") + e.name;
  report->notes.push_back("kept " + dir + ": it holds files ferry did not create (" + names + ")");
  return Status::OK();
}

// Removals run kParallelUnlinks at a time (content_store.h says why); --jobs 1 stays
// sequential, as the crash tests count steps in a fixed order.
int RemovalJobs(int jobs) { return jobs <= 1 ? 1 : std::max(jobs, kParallelUnlinks); }

// Syncs each directory whose entries removals changed, then forgets them.
void SyncRemovalDirs(Env* env, std::set<std::string>* dirs) {
  for (const std::string& dir : *dirs) {
    Status synced = env->SyncDir(dir);
    if (!synced.IsNotFound()) {  // a package or bundle directory removed after its entries
      IgnoreError(synced, "a removal lost to a crash comes back as a file the audit adopts");
    }
  }
  dirs->clear();
}

// One application of a plan: the phases of ExecutePlan, in order, over shared bookkeeping.
// Each phase states what it assumes of the ones before it.
class PlanExecution {
 public:
  PlanExecution(const Plan& plan, const SyncState& previous, const ExecutorDeps& deps,
                SyncState* next, SyncReport* report)
      : plan_(plan),
        previous_(previous),
        deps_(deps),
        env_(deps.env),
        layout_(*deps.layout),
        next_(next),
        report_(report) {
    *next_ = previous;
  }

  // The manifest's refused entries become errors of the report. Changes nothing on disk.
  void ReportEntryErrors() {
    for (const EntryError& e : plan_.entry_errors) {
      ReportFor(report_, e.section)
          ->errors.push_back({e.package, e.name, e.message, StatusCode::kInvalidArgument});
    }
  }

  // 1-3. Downloads, intent and references, overlapped: a table's links are recorded and made
  // as soon as its canonical is in the store, while the other downloads go on (over a long
  // link the downloads' waiting then hides the linking; docs/DESIGN.md). Per batch of
  // tables that arrived, intent first: the state is saved with those links (and, the first
  // time, every bundle to be fetched with md5 "", so a crash leads to a re-fetch) before any
  // is made, and only links whose canonical arrived are ever recorded. The links that need
  // no download are the first batch. With --jobs 1 each table is its own batch, made before
  // the next download starts, so every step keeps one fixed place (the crash tests).
  // Guarantees: each link is made (or found current) and recorded, or keeps its previous
  // entry with an error in the report (its fetch failed, or making it did); the digest cache
  // is saved; the directories touched are synced. Returns kUnauthorized (the token was
  // refused: the pull stops, the batches already made stay recorded) or a failed state write.
  Status DownloadRecordAndLink() {
    std::map<std::string, std::vector<const LinkAction*>> waiting;  // table id -> its links
    std::vector<const LinkAction*> ready;
    bool any_link = false;
    if (deps_.verified_refs) deps_.verified_refs->reserve(plan_.links.size());
    for (const LinkAction& a : plan_.links) {
      if (!a.needs_link) {
        if (deps_.verified_refs) deps_.verified_refs->insert(a.desired.ref_path);
        continue;
      }
      any_link = true;
      if (a.needs_fetch) {
        waiting[a.desired.table_id].push_back(&a);
      } else {
        ready.push_back(&a);
      }
    }
    // Counts start from the recorded state and follow what actually happens (nothing happens
    // to them on a no-op pull, which then skips counting 6,000 references).
    if (any_link || !plan_.drops.empty()) counts_ = ReferenceCounts(previous_);
    FERRY_RETURN_IF_ERROR(RecordAndLink(ready));
    if (!plan_.fetches.empty()) {
      FERRY_RETURN_IF_ERROR(DownloadThenLink(waiting));
    }
    // Entries whose metadata changed without a relink (none today) would be recorded here;
    // the unchanged ones are already in *next from `previous`.
    IgnoreError(deps_.linker->SyncTouchedDirs(), "a reference lost to a crash is re-created");
    return Status::OK();
  }

  // The downloads, with each arrived table's links handed to RecordAndLink: on the download's
  // own worker with --jobs 1, else by this thread in batches of whatever arrived meanwhile.
  Status DownloadThenLink(const std::map<std::string, std::vector<const LinkAction*>>& waiting) {
    auto links_of = [&](size_t i) -> const std::vector<const LinkAction*>* {
      auto it = waiting.find(plan_.fetches[i].table_id);
      return it == waiting.end() ? nullptr : &it->second;
    };
    Status link_failure;  // the first failed state write; no link is made after it
    std::vector<Status> results;
    if (deps_.jobs <= 1) {
      results = deps_.downloader->FetchAll(plan_.fetches, [&](size_t i, const Status& s) {
        const std::vector<const LinkAction*>* links = links_of(i);
        if (!s.ok() || links == nullptr || !link_failure.ok()) return;
        link_failure = RecordAndLink(*links);
      });
    } else {
      std::mutex mu;
      std::condition_variable arrived_cv;
      std::vector<size_t> arrived;  // guarded by mu
      bool done = false;            // guarded by mu
      auto downloads = std::async(std::launch::async, [&] {
        std::vector<Status> r =
            deps_.downloader->FetchAll(plan_.fetches, [&](size_t i, const Status& s) {
              if (!s.ok()) return;
              std::lock_guard<std::mutex> lock(mu);
              arrived.push_back(i);
              arrived_cv.notify_one();
            });
        std::lock_guard<std::mutex> lock(mu);
        done = true;
        arrived_cv.notify_one();
        return r;
      });
      for (;;) {
        std::vector<size_t> batch;
        bool last = false;
        {
          std::unique_lock<std::mutex> lock(mu);
          arrived_cv.wait(lock, [&] { return done || !arrived.empty(); });
          batch.swap(arrived);
          last = done;
        }
        std::vector<const LinkAction*> links;
        for (size_t i : batch) {
          if (const std::vector<const LinkAction*>* l = links_of(i)) {
            links.insert(links.end(), l->begin(), l->end());
          }
        }
        if (link_failure.ok()) link_failure = RecordAndLink(links);
        if (last) break;
      }
      results = downloads.get();
    }
    // Downloaded digests survive a crash in what follows.
    IgnoreError(deps_.cache->Save(), "the digest cache is only an optimisation");
    for (size_t i = 0; i < results.size(); ++i) {
      if (results[i].code() == StatusCode::kUnauthorized) return results[i];
    }
    FERRY_RETURN_IF_ERROR(link_failure);
    // The links of tables that did not arrive keep their previous entry (if any) and
    // reference; each is an error of the report.
    for (size_t i = 0; i < results.size(); ++i) {
      if (results[i].ok()) continue;
      const std::vector<const LinkAction*>* links = links_of(i);
      if (links == nullptr) continue;
      for (const LinkAction* a : *links) {
        ReportFor(report_, a->section)
            ->errors.push_back({a->package, a->name, results[i].message(), results[i].code()});
      }
    }
    return Status::OK();
  }

  // Intent, then references, for `links` (their canonicals are in the store). The first call
  // also records every bundle to be fetched (md5 "") and every kept package. Guarantees:
  // before any of `links` is made, the state is saved with all of them (and the bundles)
  // whenever there is anything to record; then each is made (or found current) and recorded with the strategy
  // used, or reverted to its previous entry with an error in the report.
  Status RecordAndLink(const std::vector<const LinkAction*>& links) {
    for (const LinkAction* a : links) SetEntry(next_, a->section, a->package, a->name, a->desired);
    const bool first = !intent_begun_;
    intent_begun_ = true;
    if (first) {
      // A bundle about to be written is recorded with md5 "" (unknown), new or updated: a
      // crash after its file is replaced but before the final record would otherwise leave
      // the old token beside the new bytes, and a later manifest with the old token again
      // would keep the wrong file. The planner never keeps a bundle recorded with "".
      for (const BundleAction& b : plan_.bundle_fetches) {
        next_->memory_domains[b.slug] = MemoryEntry{b.slug, "", b.path};
      }
      for (const std::string& slug : plan_.kept_packages)
        next_->data_packages[slug];  // may be empty
    }
    if (!links.empty() || (first && !plan_.bundle_fetches.empty())) {
      FERRY_RETURN_IF_ERROR(SaveSyncState(env_, layout_.state_path(), *next_));
    }
    for (const LinkAction* a : links) MakeReference(*a);
    return Status::OK();
  }

  // 4a. Drops: disk first, then the state. Assumes DownloadRecordAndLink ran (its counts). The
  // unlinks are independent of each other and their latency is the filesystem's, so they run
  // `jobs` at a time. Guarantees: each dropped reference is gone from disk and state, or is
  // an error of the report and stays in the state; their directories are synced before any
  // canonical leaves the store (a crash in between must not bring back a symlink to nothing).
  void DropReferences() {
    std::vector<Status> removed(plan_.drops.size());
    ParallelFor(RemovalJobs(deps_.jobs), plan_.drops.size(), [&](size_t i) {
      removed[i] = deps_.linker->RemoveReference(plan_.drops[i].previous.ref_path);
    });
    for (size_t i = 0; i < plan_.drops.size(); ++i)
      NoteReferenceRemoved(plan_.drops[i], removed[i]);
    SyncRemovalDirs(env_, &removal_dirs_);
  }

  // 4b. Canonicals whose count reached 0 leave the store (a rename each into the trash; the
  // pull engine frees their blocks later, EmptyTrash). Assumes DropReferences synced the
  // references' directories. A canonical that would not go is a note (the audit retries).
  void DiscardUnreferencedCanonicals() {
    std::vector<std::string> unreferenced;
    for (const std::string& shared : released_) {
      if (counts_.count(shared) == 0) unreferenced.push_back(shared);  // else re-added by a link
    }
    if (unreferenced.empty()) return;
    IgnoreError(CreateDirs(env_, layout_.trash_dir()),
                "DiscardCanonical then removes the canonical in place");
    std::vector<Status> gone(unreferenced.size());
    ParallelFor(RemovalJobs(deps_.jobs), unreferenced.size(),
                [&](size_t i) { gone[i] = DiscardCanonical(env_, layout_, unreferenced[i]); });
    removal_dirs_.insert(layout_.shared_dir());
    removal_dirs_.insert(layout_.trash_dir());
    for (size_t i = 0; i < unreferenced.size(); ++i) {
      if (!gone[i].ok()) {
        report_->notes.push_back("could not remove unreferenced canonical " + unreferenced[i] +
                                 ": " + gone[i].message() + " (the audit retries)");
        continue;
      }
      deps_.cache->Forget(unreferenced[i]);
      EmitRemoved(deps_.progress, unreferenced[i], "canonical");
    }
  }

  // 4c. The directories of dropped packages go, once empty. Assumes DropReferences ran: a
  // package with a reference that could not be removed keeps its directory and its entry.
  void RemoveDroppedPackages() {
    for (const std::string& slug : plan_.dropped_packages) {
      auto it = next_->data_packages.find(slug);
      if (it != next_->data_packages.end() && !it->second.empty()) continue;  // a removal failed
      Status s = RemoveEmptiedDir(env_, layout_.package_dir(slug), report_);
      if (!s.ok()) {
        // The (empty) package stays in the state so the next pull tries again.
        report_->data_packages.errors.push_back({slug, "", s.message(), s.code()});
        continue;
      }
      removal_dirs_.insert(layout_.data_dir());
      next_->data_packages.erase(slug);
      EmitRemoved(deps_.progress, layout_.package_dir(slug), "package");
    }
  }

  // 5a. Bundles fetched. Guarantees: each is written whole and recorded, or keeps its previous
  // file and entry with an error in the report. On kUnauthorized the state so far is saved and
  // the refusal returned (the pull stops).
  Status FetchBundles() {
    for (const BundleAction& b : plan_.bundle_fetches) {
      Status s = deps_.write_bundle(b);
      if (s.ok()) {
        next_->memory_domains[b.slug] = MemoryEntry{b.slug, b.md5, b.path};
        ++(b.is_new ? report_->memory_domains.added : report_->memory_domains.updated);
        continue;
      }
      report_->memory_domains.errors.push_back({"", b.slug, s.message(), s.code()});
      auto prev = previous_.memory_domains.find(b.slug);
      if (prev != previous_.memory_domains.end()) {
        next_->memory_domains[b.slug] = prev->second;
      } else {
        next_->memory_domains.erase(b.slug);
      }
      if (s.code() == StatusCode::kUnauthorized) {
        FERRY_RETURN_IF_ERROR(SaveSyncState(env_, layout_.state_path(), *next_));
        return s;
      }
    }
    return Status::OK();
  }

  // 5b. Bundles dropped: the file, then its directory once empty. Guarantees: each is gone
  // from disk and state, or is an error of the report and stays in the state (the next pull
  // removes it again); every directory removals changed is synced.
  void DropBundles() {
    for (const BundleDrop& d : plan_.bundle_drops) {
      const std::string path =
          d.previous.path.empty() ? layout_.bundle_path(d.slug) : d.previous.path;
      Status s = env_->RemoveFile(path);
      if (!s.ok() && !s.IsNotFound()) {
        report_->memory_domains.errors.push_back({"", d.slug, s.message(), s.code()});
        continue;
      }
      const std::string dir = DirName(path);
      removal_dirs_.insert(dir);
      removal_dirs_.insert(DirName(dir));
      if (Status rd = RemoveEmptiedDir(env_, dir, report_); !rd.ok()) {
        report_->memory_domains.errors.push_back({"", d.slug, rd.message(), rd.code()});
        continue;
      }
      next_->memory_domains.erase(d.slug);
      ++report_->memory_domains.removed;
      EmitRemoved(deps_.progress, path, "bundle");
    }
    SyncRemovalDirs(env_, &removal_dirs_);
  }

  // 6. The record: last, so that it names exactly what the disk now holds.
  Status SaveRecord() {
    next_->last_sync_unix = env_->NowUnixNanos() / 1000000000;
    if (deps_.save_record) return deps_.save_record(*next_);
    return SaveSyncState(env_, layout_.state_path(), *next_);
  }

 private:
  // One reference of RecordAndLink: made unless a re-check finds it already current (a
  // symlink to a canonical replaced in place is still right, and a crashed run may already
  // have made this very reference).
  void MakeReference(const LinkAction& a) {
    const TableRef& want = a.desired;
    LinkStrategy used = want.strategy;
    Result<bool> r = deps_.linker->IsReferenceCurrent(want.shared_path, want.ref_path,
                                                      want.strategy, want.md5, deps_.cache);
    if (!(r.ok() && *r)) {
      Result<LinkStrategy> made = deps_.linker->MakeReference(want.shared_path, want.ref_path);
      if (!made.ok()) {
        ReportFor(report_, a.section)
            ->errors.push_back({a.package, a.name, made.status().message(), made.status().code()});
        RevertEntry(next_, a);
        return;
      }
      used = *made;
      EmitReferenceMade(deps_.progress, want.ref_path, want.shared_path, used);
      // A copy's bytes are the canonical's (no need to hash them later); a hardlink moved the
      // canonical's ctime (its entry is re-validated without reading).
      if (used != LinkStrategy::kSymlink) {
        deps_.cache->NoteReference(want.shared_path, want.ref_path,
                                   used == LinkStrategy::kHardlink);
      }
    }
    TableRef done = want;
    done.strategy = used;
    if (deps_.verified_refs) deps_.verified_refs->insert(want.ref_path);
    SetEntry(next_, a.section, a.package, a.name, done);
    if (a.previous && a.previous->ref_path != want.ref_path) {
      // The reference moved (a state written elsewhere): the old path is ferry's, remove it.
      Status moved = deps_.linker->RemoveReference(a.previous->ref_path);
      if (moved.ok()) EmitRemoved(deps_.progress, a.previous->ref_path, "reference");
      IgnoreError(moved, "a stale reference left behind is reported by the audit");
    }
    if (!a.previous) {
      counts_.Add(want.shared_path);
    } else if (a.previous->shared_path != want.shared_path) {
      counts_.Add(want.shared_path);
      Release(a.previous->shared_path);
    }
    TypeReport* t = ReportFor(report_, a.section);
    if (a.change == EntryChange::kAdd) {
      ++t->added;
      if (!a.package.empty()) t->added_in.insert(a.package);
    }
    if (a.change == EntryChange::kUpdate) {
      ++t->updated;
      if (!a.package.empty()) t->updated_in.insert(a.package);
    }
  }

  // Bookkeeping after one reference of DropReferences was removed (`removed` OK) or not.
  void NoteReferenceRemoved(const DropAction& d, const Status& removed) {
    if (!removed.ok()) {
      ReportFor(report_, d.section)
          ->errors.push_back({d.package, d.name, removed.message(), removed.code()});
      return;
    }
    deps_.cache->Forget(d.previous.ref_path);
    EmitRemoved(deps_.progress, d.previous.ref_path, "reference");
    removal_dirs_.insert(DirName(d.previous.ref_path));
    EraseEntry(next_, d.section, d.package, d.name);
    TypeReport* t = ReportFor(report_, d.section);
    ++t->removed;
    if (!d.package.empty()) t->removed_from.insert(d.package);
    Release(d.previous.shared_path);
  }

  void Release(const std::string& shared) {
    if (!shared.empty() && counts_.Remove(shared) == 0) released_.insert(shared);
  }

  const Plan& plan_;
  const SyncState& previous_;
  const ExecutorDeps& deps_;
  Env* const env_;
  const WorkspaceLayout& layout_;
  SyncState* const next_;
  SyncReport* const report_;
  bool intent_begun_ = false;  // RecordAndLink ran once (the bundles' intent is recorded)
  ReferenceCounts counts_;
  std::set<std::string> released_;  // shared paths whose count reached 0
  // Directories whose entries removals changed: synced before the record that says the
  // entries are gone, or a crash could bring back a reference the record no longer names.
  std::set<std::string> removal_dirs_;
};

}  // namespace

Status ExecutePlan(const Plan& plan, const SyncState& previous, const ExecutorDeps& deps,
                   SyncState* next, SyncReport* report) {
  PlanExecution run(plan, previous, deps, next, report);
  run.ReportEntryErrors();
  FERRY_RETURN_IF_ERROR(run.DownloadRecordAndLink());
  run.DropReferences();
  run.DiscardUnreferencedCanonicals();
  run.RemoveDroppedPackages();
  FERRY_RETURN_IF_ERROR(run.FetchBundles());
  run.DropBundles();
  return run.SaveRecord();
}

}  // namespace ferry::pull
