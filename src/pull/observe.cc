#include "pull/observe.h"

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
  Result<std::string> got = cache->Md5Of(path);
  if (!got.ok()) {
    if (got.status().IsNotFound()) return false;
    return got.status();
  }
  return *got == md5;
}

}  // namespace

Result<bool> CanonicalVerifies(Env* env, const std::string& shared_path,
                               const ManifestTable& table, DigestCache* cache) {
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

  std::mutex mu;
  Status first_error;
  {
    ThreadPool pool(static_cast<size_t>(jobs < 1 ? 1 : jobs));
    for (const auto& [id, table] : wanted) {
      pool.Schedule([&, id = id, table = table] {
        const std::string shared = layout.shared_path(id);
        Result<bool> ok = CanonicalVerifies(env, shared, *table, cache);
        std::lock_guard<std::mutex> lock(mu);
        if (!ok.ok()) {
          if (first_error.ok()) first_error = ok.status();
        } else if (*ok) {
          seen.canonical_ok.insert(shared);
        }
      });
    }
    pool.Wait();
  }
  FERRY_RETURN_IF_ERROR(first_error);

  // References of previous entries that the manifest still wants with the same table.
  auto check_ref = [&](const TableRef& prev, const ManifestTable& t) -> Status {
    if (t.skipped() || prev.table_id != t.id) return Status::OK();
    const std::string shared = layout.shared_path(t.id);
    if (!seen.canonical_ok.count(shared) || prev.shared_path != shared) return Status::OK();
    Result<bool> current =
        linker->IsReferenceCurrent(shared, prev.ref_path, prev.strategy, t.md5, cache);
    if (!current.ok()) {
      if (current.status().IsNotFound()) return Status::OK();
      return current.status();
    }
    if (*current) seen.current_refs.insert(prev.ref_path);
    return Status::OK();
  };
  for (const ManifestTable& t : manifest.direct_tables) {
    auto it = previous.direct_tables.find(t.name);
    if (it != previous.direct_tables.end()) FERRY_RETURN_IF_ERROR(check_ref(it->second, t));
  }
  for (const ManifestPackage& p : manifest.data_packages) {
    auto pkg = previous.data_packages.find(p.slug);
    if (pkg == previous.data_packages.end()) continue;
    for (const ManifestTable& t : p.tables) {
      auto it = pkg->second.find(t.name);
      if (it != pkg->second.end()) FERRY_RETURN_IF_ERROR(check_ref(it->second, t));
    }
  }

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
