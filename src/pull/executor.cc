#include "pull/executor.h"

#include <algorithm>
#include <map>
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

// True when `dir` still lists entries (which ferry did not create: its own are gone by now);
// *names lists them.
bool ForeignEntries(Env* env, const std::string& dir, std::string* names) {
  Result<std::vector<DirEntry>> left = env->ListDir(dir);
  if (!left.ok() || left->empty()) return false;
  for (const DirEntry& e : *left) *names += (names->empty() ? "" : ", ") + e.name;
  return true;
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

}  // namespace

Status ExecutePlan(const Plan& plan, const SyncState& previous, const ExecutorDeps& deps,
                   SyncState* next, SyncReport* report) {
  Env* env = deps.env;
  const WorkspaceLayout& layout = *deps.layout;
  *next = previous;

  for (const EntryError& e : plan.entry_errors) {
    ReportFor(report, e.section)
        ->errors.push_back({e.package, e.name, e.message, StatusCode::kInvalidArgument});
  }

  // 1. Downloads.
  std::map<std::string, Status> failed_fetch;  // table id -> why
  if (!plan.fetches.empty()) {
    std::vector<Status> results = deps.downloader->FetchAll(plan.fetches);
    for (size_t i = 0; i < results.size(); ++i) {
      if (results[i].code() == StatusCode::kUnauthorized) return results[i];
      if (!results[i].ok()) failed_fetch.emplace(plan.fetches[i].table_id, results[i]);
    }
    // Downloaded digests survive a crash in what follows.
    IgnoreError(deps.cache->Save(), "the digest cache is only an optimisation");
  }

  // 2. Intent: every entry about to be (re)linked, every new bundle.
  std::vector<const LinkAction*> to_link;
  if (deps.verified_refs) deps.verified_refs->reserve(plan.links.size());
  for (const LinkAction& a : plan.links) {
    if (!a.needs_link) {
      if (deps.verified_refs) deps.verified_refs->insert(a.desired.ref_path);
      continue;
    }
    if (a.needs_fetch) {
      auto f = failed_fetch.find(a.desired.table_id);
      if (f != failed_fetch.end()) {
        ReportFor(report, a.section)
            ->errors.push_back({a.package, a.name, f->second.message(), f->second.code()});
        continue;  // previous entry (if any) and its reference stay as they were
      }
    }
    SetEntry(next, a.section, a.package, a.name, a.desired);
    to_link.push_back(&a);
  }
  for (const BundleAction& b : plan.bundle_fetches) {
    if (b.is_new) next->memory_domains[b.slug] = MemoryEntry{b.slug, "", b.path};
  }
  for (const std::string& slug : plan.kept_packages) next->data_packages[slug];  // may be empty
  if (!to_link.empty() || !plan.bundle_fetches.empty()) {
    FERRY_RETURN_IF_ERROR(SaveSyncState(env, layout.state_path(), *next));
  }

  // 3. References. Counts start from the recorded state and follow what actually happens
  // (nothing happens to them on a no-op pull, which then skips counting 6,000 references).
  ReferenceCounts counts =
      to_link.empty() && plan.drops.empty() ? ReferenceCounts() : ReferenceCounts(previous);
  std::set<std::string> released;  // shared paths whose count reached 0
  auto release = [&](const std::string& shared) {
    if (!shared.empty() && counts.Remove(shared) == 0) released.insert(shared);
  };
  for (const LinkAction* a : to_link) {
    const TableRef& want = a->desired;
    LinkStrategy used = want.strategy;
    // Re-check just before acting: a symlink to a canonical replaced in place is still
    // right, and a crashed run may already have made this very reference.
    Result<bool> r = deps.linker->IsReferenceCurrent(want.shared_path, want.ref_path, want.strategy,
                                                     want.md5, deps.cache);
    const bool current = r.ok() && *r;
    if (!current) {
      Result<LinkStrategy> made = deps.linker->MakeReference(want.shared_path, want.ref_path);
      if (!made.ok()) {
        ReportFor(report, a->section)
            ->errors.push_back(
                {a->package, a->name, made.status().message(), made.status().code()});
        RevertEntry(next, *a);
        continue;
      }
      used = *made;
      EmitReferenceMade(deps.progress, want.ref_path, want.shared_path, used);
      // A copy's bytes are the canonical's (no need to hash them later); a hardlink moved the
      // canonical's ctime (its entry is re-validated without reading).
      if (used != LinkStrategy::kSymlink) {
        deps.cache->NoteReference(want.shared_path, want.ref_path, used == LinkStrategy::kHardlink);
      }
    }
    TableRef done = want;
    done.strategy = used;
    if (deps.verified_refs) deps.verified_refs->insert(want.ref_path);
    SetEntry(next, a->section, a->package, a->name, done);
    if (a->previous && a->previous->ref_path != want.ref_path) {
      // The reference moved (a state written elsewhere): the old path is ferry's, remove it.
      Status moved = deps.linker->RemoveReference(a->previous->ref_path);
      if (moved.ok()) EmitRemoved(deps.progress, a->previous->ref_path, "reference");
      IgnoreError(moved, "a stale reference left behind is reported by the audit");
    }
    if (!a->previous) {
      counts.Add(want.shared_path);
    } else if (a->previous->shared_path != want.shared_path) {
      counts.Add(want.shared_path);
      release(a->previous->shared_path);
    }
    TypeReport* t = ReportFor(report, a->section);
    if (a->change == EntryChange::kAdd) {
      ++t->added;
      if (!a->package.empty()) t->added_in.insert(a->package);
    }
    if (a->change == EntryChange::kUpdate) {
      ++t->updated;
      if (!a->package.empty()) t->updated_in.insert(a->package);
    }
  }
  // Entries whose metadata changed without a relink (none today) would be recorded here; the
  // unchanged ones are already in *next from `previous`.
  IgnoreError(deps.linker->SyncTouchedDirs(), "a reference lost to a crash is re-created");

  // 4. Drops: disk first, then the state. The unlinks are independent of each other and
  // their latency is the filesystem's, so they run `jobs` at a time.
  // Directories whose entries the removals below change: synced before the record that says
  // the entries are gone, or a crash could bring back a reference the record no longer names.
  std::set<std::string> removal_dirs;
  std::vector<Status> removed(plan.drops.size());
  ParallelFor(RemovalJobs(deps.jobs), plan.drops.size(), [&](size_t i) {
    removed[i] = deps.linker->RemoveReference(plan.drops[i].previous.ref_path);
  });
  for (size_t i = 0; i < plan.drops.size(); ++i) {
    const DropAction& d = plan.drops[i];
    const Status& s = removed[i];
    if (!s.ok()) {
      ReportFor(report, d.section)->errors.push_back({d.package, d.name, s.message(), s.code()});
      continue;
    }
    deps.cache->Forget(d.previous.ref_path);
    EmitRemoved(deps.progress, d.previous.ref_path, "reference");
    removal_dirs.insert(DirName(d.previous.ref_path));
    EraseEntry(next, d.section, d.package, d.name);
    TypeReport* t = ReportFor(report, d.section);
    ++t->removed;
    if (!d.package.empty()) t->removed_from.insert(d.package);
    release(d.previous.shared_path);
  }
  // The references are durably gone before their canonicals leave the store: a crash in
  // between must not bring back a symlink to nothing.
  SyncRemovalDirs(env, &removal_dirs);
  std::vector<std::string> unreferenced;
  for (const std::string& shared : released) {
    if (counts.count(shared) == 0) unreferenced.push_back(shared);  // else re-added by a link
  }
  // Out of the store now (a rename each); the pull engine frees their blocks while it writes
  // views.sql and audits (EmptyTrash).
  std::vector<Status> gone(unreferenced.size());
  if (!unreferenced.empty()) {
    IgnoreError(CreateDirs(env, layout.trash_dir()),
                "DiscardCanonical then removes the canonical in place");
  }
  ParallelFor(RemovalJobs(deps.jobs), unreferenced.size(),
              [&](size_t i) { gone[i] = DiscardCanonical(env, layout, unreferenced[i]); });
  if (!unreferenced.empty()) {
    removal_dirs.insert(layout.shared_dir());
    removal_dirs.insert(layout.trash_dir());
  }
  for (size_t i = 0; i < unreferenced.size(); ++i) {
    const std::string& shared = unreferenced[i];
    const Status& s = gone[i];
    if (!s.ok()) {
      report->notes.push_back("could not remove unreferenced canonical " + shared + ": " +
                              s.message() + " (the audit retries)");
      continue;
    }
    deps.cache->Forget(shared);
    EmitRemoved(deps.progress, shared, "canonical");
  }
  for (const std::string& slug : plan.dropped_packages) {
    auto it = next->data_packages.find(slug);
    if (it != next->data_packages.end() && !it->second.empty()) continue;  // a removal failed
    const std::string dir = layout.package_dir(slug);
    Status s = env->RemoveDir(dir);
    if (!s.ok() && !s.IsNotFound()) {
      std::string names;
      if (!ForeignEntries(env, dir, &names)) {
        // An empty directory that would not go: a real error. The (empty) package stays in
        // the state so the next pull tries again.
        report->data_packages.errors.push_back({slug, "", s.message(), s.code()});
        continue;
      }
      report->notes.push_back("kept " + dir + ": it holds files ferry did not create (" + names +
                              ")");
    }
    removal_dirs.insert(layout.data_dir());
    next->data_packages.erase(slug);
    EmitRemoved(deps.progress, dir, "package");
  }

  // 5. Bundles.
  for (const BundleAction& b : plan.bundle_fetches) {
    Status s = deps.write_bundle(b);
    if (!s.ok()) {
      report->memory_domains.errors.push_back({"", b.slug, s.message(), s.code()});
      auto prev = previous.memory_domains.find(b.slug);
      if (prev != previous.memory_domains.end()) {
        next->memory_domains[b.slug] = prev->second;
      } else {
        next->memory_domains.erase(b.slug);
      }
      if (s.code() == StatusCode::kUnauthorized) {
        FERRY_RETURN_IF_ERROR(SaveSyncState(env, layout.state_path(), *next));
        return s;
      }
      continue;
    }
    next->memory_domains[b.slug] = MemoryEntry{b.slug, b.md5, b.path};
    if (b.is_new) {
      ++report->memory_domains.added;
    } else {
      ++report->memory_domains.updated;
    }
  }
  for (const BundleDrop& d : plan.bundle_drops) {
    const std::string path = d.previous.path.empty() ? layout.bundle_path(d.slug) : d.previous.path;
    Status s = env->RemoveFile(path);
    if (!s.ok() && !s.IsNotFound()) {
      report->memory_domains.errors.push_back({"", d.slug, s.message(), s.code()});
      continue;
    }
    const std::string dir = DirName(path);
    removal_dirs.insert(dir);
    removal_dirs.insert(DirName(dir));
    Status rd = env->RemoveDir(dir);
    if (!rd.ok() && !rd.IsNotFound()) {
      std::string names;
      if (!ForeignEntries(env, dir, &names)) {
        // Kept in the state: the next pull removes the directory again.
        report->memory_domains.errors.push_back({"", d.slug, rd.message(), rd.code()});
        continue;
      }
      report->notes.push_back("kept " + dir + ": it holds files ferry did not create (" + names +
                              ")");
    }
    next->memory_domains.erase(d.slug);
    ++report->memory_domains.removed;
    EmitRemoved(deps.progress, path, "bundle");
  }

  SyncRemovalDirs(env, &removal_dirs);

  // 6. The record.
  next->last_sync_unix = env->NowUnixNanos() / 1000000000;
  if (deps.save_record) return deps.save_record(*next);
  return SaveSyncState(env, layout.state_path(), *next);
}

}  // namespace ferry::pull
