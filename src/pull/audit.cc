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

std::vector<std::string> AuditFindings::Unhealed() const {
  std::vector<std::string> out;
  out.reserve(repairs.size() + violations.size());
  for (const RepairAction& r : repairs) out.push_back(r.finding);
  out.insert(out.end(), violations.begin(), violations.end());
  return out;
}

namespace {

// Detection, one concern per function. Each appends to *f and reads only.

// Asides of interrupted canonical swaps (content_store.h). *asides receives their paths, which
// the temp scan must not report a second time.
Status FindInterruptedInstalls(Env* env, const WorkspaceLayout& layout, AuditFindings* f,
                               PathSet* asides) {
  Result<std::vector<DirEntry>> entries = env->ListDir(layout.shared_dir());
  if (!entries.ok()) return entries.status().IsNotFound() ? Status::OK() : entries.status();
  for (const DirEntry& e : *entries) {
    std::string owner;
    if (!IsAsideName(e.name, &owner) || owner.empty()) continue;
    RepairAction r;
    r.kind = RepairKind::kRecoverInstall;
    r.path = JoinPath(layout.shared_dir(), owner);
    r.finding = "interrupted install: " + r.path;
    asides->insert(JoinPath(layout.shared_dir(), e.name));
    f->repairs.push_back(std::move(r));
  }
  return Status::OK();
}

Status FindLeftoverTemps(Env* env, const WorkspaceLayout& layout, const PathSet& asides,
                         AuditFindings* f) {
  FERRY_ASSIGN_OR_RETURN(std::vector<std::string> temps, ScanLeftoverTemps(env, layout));
  for (const std::string& t : temps) {
    if (asides.count(t)) continue;  // its install's recovery deals with it
    f->repairs.push_back({RepairKind::kRemoveTemp, "leftover temp file: " + t, t, "", "", {}});
  }
  return Status::OK();
}

Status FindTrash(Env* env, const WorkspaceLayout& layout, AuditFindings* f) {
  Result<std::vector<DirEntry>> trash = env->ListDir(layout.trash_dir());
  if (!trash.ok()) return trash.status().IsNotFound() ? Status::OK() : trash.status();
  for (const DirEntry& e : *trash) {
    const std::string path = JoinPath(layout.trash_dir(), e.name);
    f->repairs.push_back({RepairKind::kRemoveTrash,
                          "leftover trash: " + path + " (a dropped canonical not yet freed)",
                          path,
                          "",
                          "",
                          {}});
  }
  return Status::OK();
}

// What the state names: its references (views of the state's own strings) and canonicals.
struct StateIndex {
  PathViewSet refs;
  PathSet shared;
};

// Every state entry: a missing canonical (a violation: only a pull re-fetches it) or a
// reference that is not current (a relink).
Status CheckStateEntries(Env* env, const SyncState& state, Linker* linker, DigestCache* cache,
                         const AuditHints& hints, AuditFindings* f, StateIndex* index) {
  size_t entries = state.direct_tables.size();
  for (const auto& [slug, tables] : state.data_packages) entries += tables.size();
  index->refs.reserve(entries);
  index->shared.reserve(entries);
  auto check = [&](const std::string& dir, const std::string& name, const TableRef& ref) -> Status {
    index->refs.insert(ref.ref_path);
    index->shared.insert(ref.shared_path);
    if (hints.current_refs && hints.current_refs->count(ref.ref_path)) return Status::OK();
    FERRY_ASSIGN_OR_RETURN(bool shared_exists, Exists(env, ref.shared_path));
    if (!shared_exists) {
      f->violations.push_back("dangling shared: " + ref.shared_path + " (referenced by " +
                              ref.ref_path + "; the next pull re-fetches it)");
      return Status::OK();
    }
    Result<bool> current =
        linker->IsReferenceCurrent(ref.shared_path, ref.ref_path, ref.strategy, ref.md5, cache);
    if (current.ok() && *current) return Status::OK();
    f->repairs.push_back(
        {RepairKind::kRelink, "broken reference: " + ref.ref_path, ref.ref_path, dir, name, ref});
    return Status::OK();
  };
  for (const auto& [name, ref] : state.direct_tables) {
    FERRY_RETURN_IF_ERROR(check(std::string(kDirectDirName), name, ref));
  }
  for (const auto& [slug, tables] : state.data_packages) {
    for (const auto& [name, ref] : tables) FERRY_RETURN_IF_ERROR(check(slug, name, ref));
  }
  return Status::OK();
}

// References on disk that the state does not name (adopted when they are ferry's), then
// canonicals that nothing points at (orphans).
Status FindUntrackedAndOrphans(Env* env, const WorkspaceLayout& layout, DigestCache* cache,
                               const AuditHints& hints, const StateIndex& index, AuditFindings* f) {
  FERRY_ASSIGN_OR_RETURN(std::vector<std::string> shared, ScanSharedFiles(env, layout));
  bool walk = !hints.walk_only_if_needed;
  for (const std::string& s : shared) walk = walk || !index.shared.count(s);
  std::vector<ObservedReference> refs;
  if (walk) {
    FERRY_ASSIGN_OR_RETURN(refs, ScanReferences(env, layout));
  }
  const PathSet shared_set(shared.begin(), shared.end());
  PathSet disk_targets;
  for (const ObservedReference& r : refs) {
    if (!r.target_shared_path.empty()) disk_targets.insert(r.target_shared_path);
    if (index.refs.count(r.ref_path)) continue;
    std::string target = r.target_shared_path;
    LinkStrategy strategy = r.strategy_guess;
    if (target.empty()) {
      FERRY_ASSIGN_OR_RETURN(target, FindCopySource(env, r, shared, cache));
      strategy = LinkStrategy::kCopy;
    }
    if (target.empty() || !shared_set.count(target)) {
      f->notes.push_back("not created by ferry, left in place: " + r.ref_path);
      continue;
    }
    disk_targets.insert(target);
    f->repairs.push_back({RepairKind::kAdoptReference, "untracked reference: " + r.ref_path,
                          r.ref_path, r.dir, r.name, EntryFor(env, r, target, cache, strategy)});
  }
  for (const std::string& s : shared) {
    if (index.shared.count(s) || disk_targets.count(s)) continue;
    f->repairs.push_back(
        {RepairKind::kRemoveOrphan, "orphan _shared parquet: " + BaseName(s), s, "", "", {}});
  }
  return Status::OK();
}

Status CheckBundles(Env* env, const WorkspaceLayout& layout, const SyncState& state,
                    AuditFindings* f) {
  for (const auto& [slug, entry] : state.memory_domains) {
    const std::string path = entry.path.empty() ? layout.bundle_path(slug) : entry.path;
    FERRY_ASSIGN_OR_RETURN(bool exists, Exists(env, path));
    if (!exists)
      f->violations.push_back("missing bundle: " + path + " (the next pull re-fetches it)");
  }
  std::vector<std::pair<std::string, std::string>> bundles;
  FERRY_RETURN_IF_ERROR(ScanBundles(env, layout, &bundles));
  for (const auto& [slug, path] : bundles) {
    if (state.memory_domains.count(slug)) continue;
    f->repairs.push_back(
        {RepairKind::kAdoptBundle, "untracked bundle: " + path, path, slug, "", {}});
  }
  return Status::OK();
}

// Applies one repair; *state_changed is set when it changed *state.
Status ApplyRepair(Env* env, const RepairAction& r, SyncState* state, Linker* linker,
                   DigestCache* cache, bool* state_changed) {
  switch (r.kind) {
    case RepairKind::kRecoverInstall:
      return RecoverInterruptedInstall(env, r.path);
    case RepairKind::kRemoveTemp:
    case RepairKind::kRemoveTrash:
      return RemoveTree(env, r.path);
    case RepairKind::kRelink: {
      FERRY_ASSIGN_OR_RETURN(LinkStrategy made,
                             linker->MakeReference(r.entry.shared_path, r.entry.ref_path));
      if (made != LinkStrategy::kSymlink) {
        cache->NoteReference(r.entry.shared_path, r.entry.ref_path,
                             made == LinkStrategy::kHardlink);
      }
      TableRef ref = r.entry;
      ref.strategy = made;
      PutEntry(state, r.dir, r.name, std::move(ref));
      *state_changed = true;
      return Status::OK();
    }
    case RepairKind::kAdoptReference:
      PutEntry(state, r.dir, r.name, r.entry);
      *state_changed = true;
      return Status::OK();
    case RepairKind::kRemoveOrphan:
      FERRY_RETURN_IF_ERROR(RemoveCanonical(env, r.path));
      cache->Forget(r.path);
      return Status::OK();
    case RepairKind::kAdoptBundle:
      state->memory_domains[r.dir] = {r.dir, "", r.path};
      *state_changed = true;
      return Status::OK();
    case RepairKind::kReanchor:
      *state_changed = true;  // the loaded state already holds the layout's paths
      return Status::OK();
  }
  return Status::Internal("unknown repair for " + r.path);
}

}  // namespace

Result<std::vector<RepairAction>> FindInterruptedRunDebris(Env* env, const WorkspaceLayout& layout,
                                                           bool check_trash) {
  AuditFindings f;
  PathSet asides;
  FERRY_RETURN_IF_ERROR(FindInterruptedInstalls(env, layout, &f, &asides));
  FERRY_RETURN_IF_ERROR(FindLeftoverTemps(env, layout, asides, &f));
  if (check_trash) FERRY_RETURN_IF_ERROR(FindTrash(env, layout, &f));
  return std::move(f.repairs);
}

Result<AuditFindings> AuditWorkspace(Env* env, const WorkspaceLayout& layout,
                                     const SyncState& state, Linker* linker, DigestCache* cache,
                                     const AuditHints& hints) {
  AuditFindings f;
  if (hints.check_debris) {
    FERRY_ASSIGN_OR_RETURN(f.repairs, FindInterruptedRunDebris(env, layout, hints.check_trash));
  }
  StateIndex index;
  FERRY_RETURN_IF_ERROR(CheckStateEntries(env, state, linker, cache, hints, &f, &index));
  FERRY_RETURN_IF_ERROR(FindUntrackedAndOrphans(env, layout, cache, hints, index, &f));
  FERRY_RETURN_IF_ERROR(CheckBundles(env, layout, state, &f));
  return f;
}

HealOutcome HealWorkspace(Env* env, const std::vector<RepairAction>& repairs, SyncState* state,
                          Linker* linker, DigestCache* cache) {
  HealOutcome out;
  for (const RepairAction& r : repairs) {
    Status s = ApplyRepair(env, r, state, linker, cache, &out.state_changed);
    if (s.ok()) {
      out.healed.push_back(r.finding);
    } else {
      out.failed.push_back(r.finding + " (not healed: " + s.message() + ")");
      if (out.first_failure.ok()) out.first_failure = s.WithContext("heal " + r.finding);
    }
  }
  return out;
}

}  // namespace ferry::pull
