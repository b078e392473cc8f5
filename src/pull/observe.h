// ObserveWorkspace: the I/O half of planning. It looks at exactly what the planner
// (planner.h) needs to know about the disk, and nothing else:
// - for each canonical the manifest wants: does data/_shared/<id>.parquet exist and verify
//   against the manifest's md5 (through the DigestCache, so an unchanged file costs one stat;
//   a partitioned canonical: every part present and verifying);
// - for each previous entry the manifest still wants with the same table: is its reference
//   still current (Linker::IsReferenceCurrent: readlink / inode compare, no byte reads);
// - which bundles exist.
// It never writes (safe under --dry-run).
//
// Thread-safety: call from one thread; it fans out canonical checks over a pool of `jobs`
// threads (the DigestCache and Env are thread-safe).
#ifndef FERRY_PULL_OBSERVE_H_
#define FERRY_PULL_OBSERVE_H_

#include "ferry/env.h"
#include "pull/manifest.h"
#include "pull/planner.h"
#include "store/digest_cache.h"
#include "store/linker.h"
#include "store/sync_state.h"
#include "store/workspace_layout.h"

namespace ferry::pull {

Result<Observations> ObserveWorkspace(Env* env, const WorkspaceLayout& layout,
                                      const Manifest& manifest, const SyncState& previous,
                                      Linker* linker, DigestCache* cache, int jobs);

// True when `shared_path` exists and verifies against `md5` (and `size_bytes` when non-zero);
// for a partitioned table every part does. "" md5: presence (and size) is enough, as in the
// seed. Read errors other than "not found" are returned.
Result<bool> CanonicalVerifies(Env* env, const std::string& shared_path,
                               const ManifestTable& table, DigestCache* cache);

}  // namespace ferry::pull

#endif  // FERRY_PULL_OBSERVE_H_
