#include "pull/audit.h"

#include <map>
#include <set>
#include <utility>

#include "base/file_util.h"
#include "base/path.h"
#include "store/content_store.h"
#include "store/workspace_scan.h"

namespace ferry::pull {
namespace {

// "<id>" for "<root>/data/_shared/<id>.parquet".
std::string TableIdOf(const std::string& shared_path) {
  std::string base = BaseName(shared_path);
  if (base.size() > kParquetSuffix.size() &&
      base.compare(base.size() - kParquetSuffix.size(), kParquetSuffix.size(), kParquetSuffix) ==
          0) {
    base.resize(base.size() - kParquetSuffix.size());
  }
  return base;
}

Result<bool> Exists(Env* env, const std::string& path) { return PathExists(env, path); }

// Builds the state entry for a reference found on disk pointing at `shared`.
TableRef EntryFor(Env* env, const ObservedReference& r, const std::string& shared,
                  DigestCache* cache, LinkStrategy strategy) {
  TableRef ref;
  ref.table_id = TableIdOf(shared);
  ref.shared_path = shared;
  ref.ref_path = r.ref_path;
  ref.strategy = strategy;
  Result<FileInfo> info = env->Stat(shared);
  ref.partitioned = info.ok() && info->is_directory();
  if (info.ok() && info->is_regular()) {
    ref.size = info->size;
    Result<std::string> md5 = cache->Md5Of(shared);
    if (md5.ok()) ref.md5 = *md5;
  }
  return ref;
}

void PutEntry(SyncState* state, const std::string& dir, const std::string& name, TableRef ref) {
  if (dir == kDirectDirName) {
    state->direct_tables[name] = std::move(ref);
  } else {
    state->data_packages[dir][name] = std::move(ref);
  }
}

// For a reference that is neither a symlink nor a hardlink: the canonical it is a copy of
// (same size and md5), or "" when it is not a copy of any (then ferry did not make it).
Result<std::string> FindCopySource(Env* env, const ObservedReference& r,
                                   const std::vector<std::string>& shared, DigestCache* cache) {
  if (r.is_directory) return std::string();
  Result<FileInfo> info = env->LinkStat(r.ref_path);
  if (!info.ok() || !info->is_regular()) return std::string();
  std::string ref_md5;
  for (const std::string& s : shared) {
    Result<FileInfo> si = env->LinkStat(s);
    if (!si.ok() || !si->is_regular() || si->size != info->size) continue;
    if (ref_md5.empty()) {
      FERRY_ASSIGN_OR_RETURN(ref_md5, cache->Md5Of(r.ref_path));
    }
    FERRY_ASSIGN_OR_RETURN(std::string md5, cache->Md5Of(s));
    if (md5 == ref_md5) return s;
  }
  return std::string();
}

Status ScanBundles(Env* env, const WorkspaceLayout& layout,
                   std::vector<std::pair<std::string, std::string>>* out) {
  Result<std::vector<DirEntry>> dirs = env->ListDir(layout.memory_dir());
  if (!dirs.ok()) return dirs.status().IsNotFound() ? Status::OK() : dirs.status();
  for (const DirEntry& d : *dirs) {
    if (d.type != FileType::kDirectory || !IsSafePathSegment(d.name)) continue;
    const std::string path = layout.bundle_path(d.name);
    FERRY_ASSIGN_OR_RETURN(bool exists, Exists(env, path));
    if (exists) out->push_back({d.name, path});
  }
  return Status::OK();
}

}  // namespace

Result<SyncState> RebuildStateFromDisk(Env* env, const WorkspaceLayout& layout, DigestCache* cache,
                                       std::vector<std::string>* notes) {
  SyncState state;
  FERRY_ASSIGN_OR_RETURN(std::vector<ObservedReference> refs, ScanReferences(env, layout));
  FERRY_ASSIGN_OR_RETURN(std::vector<std::string> shared, ScanSharedFiles(env, layout));
  const PathSet shared_set(shared.begin(), shared.end());
  for (const ObservedReference& r : refs) {
    if (!r.target_shared_path.empty() && shared_set.count(r.target_shared_path)) {
      PutEntry(&state, r.dir, r.name,
               EntryFor(env, r, r.target_shared_path, cache, r.strategy_guess));
      continue;
    }
    FERRY_ASSIGN_OR_RETURN(std::string source, FindCopySource(env, r, shared, cache));
    if (!source.empty()) {
      PutEntry(&state, r.dir, r.name, EntryFor(env, r, source, cache, LinkStrategy::kCopy));
    } else if (notes) {
      notes->push_back("not created by ferry (or its table is gone), left in place: " + r.ref_path);
    }
  }
  std::vector<std::pair<std::string, std::string>> bundles;
  FERRY_RETURN_IF_ERROR(ScanBundles(env, layout, &bundles));
  for (const auto& [slug, path] : bundles) state.memory_domains[slug] = {slug, "", path};
  return state;
}

Result<SyncState> LoadOrRebuildState(Env* env, const WorkspaceLayout& layout, DigestCache* cache,
                                     bool* rebuilt, std::vector<std::string>* notes,
                                     AnchorOutcome* anchored) {
  *rebuilt = false;
  Result<SyncState> loaded = LoadSyncState(env, layout.state_path(), notes);
  if (!loaded.ok()) {
    if (loaded.status().code() != StatusCode::kCorruption) return loaded.status();
    if (notes) {
      notes->push_back(loaded.status().message() + "; state rebuilt from the files on disk");
    }
    *rebuilt = true;
    loaded = RebuildStateFromDisk(env, layout, cache, notes);
    if (!loaded.ok()) return loaded.status();
  }
  // The recorded paths are never acted on: a copied workspace's state names the original, and
  // an edited one can name anything.
  AnchorOutcome outcome = AnchorStateToWorkspace(layout, &*loaded);
  if (anchored) *anchored = std::move(outcome);
  return loaded;
}

Result<AuditFindings> AuditWorkspace(Env* env, const WorkspaceLayout& layout, SyncState* state,
                                     Linker* linker, DigestCache* cache, bool heal,
                                     const AuditHints& hints) {
  AuditFindings f;
  auto found = [&](std::string what, bool healed) {
    (healed ? f.healed : f.violations).push_back(std::move(what));
  };

  if (heal) {
    FERRY_ASSIGN_OR_RETURN(std::vector<std::string> recovered,
                           RecoverInterruptedInstalls(env, layout));
    for (const std::string& p : recovered) found("interrupted install: " + p, true);
  }

  // Leftover temps of interrupted atomic writes.
  FERRY_ASSIGN_OR_RETURN(std::vector<std::string> temps, ScanLeftoverTemps(env, layout));
  for (const std::string& t : temps) {
    bool healed = heal && RemoveTree(env, t).ok();
    found("leftover temp file: " + t, healed);
  }

  // Dropped canonicals an interrupted pull left in the trash: disk space, not data.
  if (hints.check_trash) {
    Result<std::vector<DirEntry>> trash = env->ListDir(layout.trash_dir());
    if (!trash.ok() && !trash.status().IsNotFound()) return trash.status();
    for (const DirEntry& e : trash.ok() ? *trash : std::vector<DirEntry>()) {
      const std::string path = JoinPath(layout.trash_dir(), e.name);
      found("leftover trash: " + path + " (a dropped canonical not yet freed)",
            heal && RemoveTree(env, path).ok());
    }
  }

  // State entries: dangling canonicals and broken references.
  // state_refs views the state's own strings (entries are only added below, never erased);
  // state_shared owns its strings, as healing adds paths of local values.
  PathViewSet state_refs;
  PathSet state_shared;
  size_t entries = state->direct_tables.size();
  for (const auto& [slug, tables] : state->data_packages) entries += tables.size();
  state_refs.reserve(entries);
  state_shared.reserve(entries);
  auto check_entry = [&](const std::string& dir, const std::string& name, TableRef* ref) -> Status {
    state_refs.insert(ref->ref_path);
    state_shared.insert(ref->shared_path);
    if (hints.current_refs && hints.current_refs->count(ref->ref_path)) return Status::OK();
    FERRY_ASSIGN_OR_RETURN(bool shared_exists, Exists(env, ref->shared_path));
    if (!shared_exists) {
      found("dangling shared: " + ref->shared_path + " (referenced by " + ref->ref_path +
                "; the next pull re-fetches it)",
            false);
      return Status::OK();
    }
    Result<bool> current =
        linker->IsReferenceCurrent(ref->shared_path, ref->ref_path, ref->strategy, ref->md5, cache);
    if (current.ok() && *current) return Status::OK();
    bool healed = false;
    if (heal) {
      Result<LinkStrategy> made = linker->MakeReference(ref->shared_path, ref->ref_path);
      if (made.ok()) {
        if (*made != LinkStrategy::kSymlink) {
          cache->NoteReference(ref->shared_path, ref->ref_path, *made == LinkStrategy::kHardlink);
        }
        ref->strategy = *made;
        f.state_changed = true;
        healed = true;
      }
    }
    (void)dir;
    (void)name;
    found("broken reference: " + ref->ref_path, healed);
    return Status::OK();
  };
  for (auto& [name, ref] : state->direct_tables) {
    FERRY_RETURN_IF_ERROR(check_entry(std::string(kDirectDirName), name, &ref));
  }
  for (auto& [slug, tables] : state->data_packages) {
    for (auto& [name, ref] : tables) FERRY_RETURN_IF_ERROR(check_entry(slug, name, &ref));
  }

  // References on disk that the state does not name.
  FERRY_ASSIGN_OR_RETURN(std::vector<std::string> shared, ScanSharedFiles(env, layout));
  bool walk = !hints.walk_only_if_needed;
  for (const std::string& s : shared) walk = walk || !state_shared.count(s);
  std::vector<ObservedReference> refs;
  if (walk) {
    FERRY_ASSIGN_OR_RETURN(refs, ScanReferences(env, layout));
  }
  const PathSet shared_set(shared.begin(), shared.end());
  PathSet disk_targets;
  for (const ObservedReference& r : refs) {
    if (!r.target_shared_path.empty()) disk_targets.insert(r.target_shared_path);
    if (state_refs.count(r.ref_path)) continue;
    std::string target = r.target_shared_path;
    LinkStrategy strategy = r.strategy_guess;
    if (target.empty()) {
      FERRY_ASSIGN_OR_RETURN(target, FindCopySource(env, r, shared, cache));
      strategy = LinkStrategy::kCopy;
    }
    if (target.empty() || !shared_set.count(target)) {
      f.notes.push_back("not created by ferry, left in place: " + r.ref_path);
      continue;
    }
    disk_targets.insert(target);
    if (heal) {
      PutEntry(state, r.dir, r.name, EntryFor(env, r, target, cache, strategy));
      state_shared.insert(target);
      f.state_changed = true;
    }
    found("untracked reference: " + r.ref_path, heal);
  }

  // Orphan canonicals: no reference in the state or on disk.
  for (const std::string& s : shared) {
    if (state_shared.count(s) || disk_targets.count(s)) continue;
    bool healed = false;
    if (heal) {
      healed = RemoveCanonical(env, s).ok();
      if (healed) cache->Forget(s);
    }
    found("orphan _shared parquet: " + BaseName(s), healed);
  }

  // Memory bundles.
  for (const auto& [slug, entry] : state->memory_domains) {
    const std::string path = entry.path.empty() ? layout.bundle_path(slug) : entry.path;
    FERRY_ASSIGN_OR_RETURN(bool exists, Exists(env, path));
    if (!exists) found("missing bundle: " + path + " (the next pull re-fetches it)", false);
  }
  std::vector<std::pair<std::string, std::string>> bundles;
  FERRY_RETURN_IF_ERROR(ScanBundles(env, layout, &bundles));
  for (const auto& [slug, path] : bundles) {
    if (state->memory_domains.count(slug)) continue;
    if (heal) {
      state->memory_domains[slug] = {slug, "", path};
      f.state_changed = true;
    }
    found("untracked bundle: " + path, heal);
  }
  return f;
}

}  // namespace ferry::pull
