#include "pull/observe.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <vector>

#include "base/path.h"
#include "base/thread_pool.h"

namespace ferry::pull {
namespace {

// One file against an expected md5 / size.
Result<bool> FileVerifies(Env* env, const std::string& path, const std::string& md5,
                          uint64_t size_bytes, DigestCache* cache) {
  Result<FileInfo> info = env->LinkStat(path);
  if (!info.ok()) {
    if (info.status().IsNotFound()) return false;
    return info.status();
  }
  if (!info->is_regular()) return false;
  if (size_bytes != 0 && info->size != size_bytes) return false;
  if (md5.empty()) return true;
  Result<std::string> got = cache->Md5Of(path, *info);  // lstat of a regular file = stat
  if (!got.ok()) {
    if (got.status().IsNotFound()) return false;
    return got.status();
  }
  return *got == md5;
}

}  // namespace

Result<bool> CanonicalVerifies(Env* env, const std::string& shared_path, const ManifestTable& table,
                               DigestCache* cache) {
  if (!table.partitioned()) {
    return FileVerifies(env, shared_path, table.md5, table.size_bytes, cache);
  }
  Result<FileInfo> info = env->LinkStat(shared_path);
  if (!info.ok()) {
    if (info.status().IsNotFound()) return false;
    return info.status();
  }
  if (!info->is_directory()) return false;
  for (const ManifestPart& part : table.parts) {
    FERRY_ASSIGN_OR_RETURN(bool ok, FileVerifies(env, JoinPath(shared_path, part.path), part.md5,
                                                 part.size_bytes, cache));
    if (!ok) return false;
  }
  return true;
}

Result<Observations> ObserveWorkspace(Env* env, const WorkspaceLayout& layout,
                                      const Manifest& manifest, const SyncState& previous,
                                      Linker* linker, DigestCache* cache, int jobs) {
  Observations seen;

  // Every wanted canonical once (the first entry naming an id decides its md5, as in the
  // planner).
  std::map<std::string, const ManifestTable*> wanted;
  auto want = [&](const ManifestTable& t) {
    if (!t.skipped()) wanted.emplace(t.id, &t);
  };
  for (const ManifestTable& t : manifest.direct_tables) want(t);
  for (const ManifestPackage& p : manifest.data_packages) {
    for (const ManifestTable& t : p.tables) want(t);
  }

  // References of previous entries that the manifest still wants with the same table.
  std::vector<std::pair<const TableRef*, const ManifestTable*>> refs;
  auto consider = [&](const TableRef& prev, const ManifestTable& t) {
    if (!t.skipped() && prev.table_id == t.id) refs.emplace_back(&prev, &t);
  };
  for (const ManifestTable& t : manifest.direct_tables) {
    auto it = previous.direct_tables.find(t.name);
    if (it != previous.direct_tables.end()) consider(it->second, t);
  }
  for (const ManifestPackage& p : manifest.data_packages) {
    auto pkg = previous.data_packages.find(p.slug);
    if (pkg == previous.data_packages.end()) continue;
    for (const ManifestTable& t : p.tables) {
      auto it = pkg->second.find(t.name);
      if (it != pkg->second.end()) consider(it->second, t);
    }
  }

  // Both checks cost a system call or two per file, so they run on the pool: first every
  // wanted canonical once, then every reference whose canonical verified.
  std::mutex mu;
  Status first_error;
  auto record_error = [&](const Status& s) {
    std::lock_guard<std::mutex> lock(mu);
    if (first_error.ok()) first_error = s;
  };
  ThreadPool pool(static_cast<size_t>(jobs < 1 ? 1 : jobs));
  for (const auto& [id, table] : wanted) {
    pool.Schedule([&, id = id, table = table] {
      const std::string shared = layout.shared_path(id);
      Result<bool> ok = CanonicalVerifies(env, shared, *table, cache);
      if (!ok.ok()) return record_error(ok.status());
      if (!*ok) return;
      std::lock_guard<std::mutex> lock(mu);
      seen.canonical_ok.insert(id);
    });
  }
  pool.Wait();
  FERRY_RETURN_IF_ERROR(first_error);

  constexpr size_t kRefsPerTask = 64;  // an lstat is ~1 us: batch to keep scheduling cheap
  for (size_t from = 0; from < refs.size(); from += kRefsPerTask) {
    pool.Schedule([&, from] {
      std::vector<const TableRef*> current;
      const size_t to = std::min(refs.size(), from + kRefsPerTask);
      for (size_t i = from; i < to; ++i) {
        const auto [prev, t] = refs[i];
        const std::string shared = layout.shared_path(t->id);
        // seen.canonical_ok is only read here: the first phase is over.
        if (!seen.canonical_ok.count(t->id) || prev->shared_path != shared) continue;
        Result<bool> ok =
            linker->IsReferenceCurrent(shared, prev->ref_path, prev->strategy, t->md5, cache);
        if (!ok.ok()) {
          if (!ok.status().IsNotFound()) return record_error(ok.status());
          continue;
        }
        if (*ok) current.push_back(prev);
      }
      std::lock_guard<std::mutex> lock(mu);
      seen.current_refs.insert(current.begin(), current.end());
    });
  }
  pool.Wait();
  FERRY_RETURN_IF_ERROR(first_error);

  for (const ManifestDomain& d : manifest.memory_domains) {
    const std::string path = layout.bundle_path(d.slug);
    Result<FileInfo> info = env->LinkStat(path);
    if (info.ok() && info->is_regular()) {
      seen.present_bundles.insert(path);
    } else if (!info.ok() && !info.status().IsNotFound()) {
      return info.status();
    }
  }
  return seen;
}

}  // namespace ferry::pull
