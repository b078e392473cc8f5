// CachedManifest: the last manifest a catalog server sent with an ETag, kept in the workspace
// so the next pull can ask `If-None-Match` and, on a 304, plan from this body instead of
// downloading it again (docs/PROTOCOL.md "Conditional manifests", docs/DESIGN.md).
//
// The file, <workspace>/.ferry/manifest.cache, is a short text header and the body verbatim:
//
//   ferry manifest cache 1
//   url <the manifest URL it came from>
//   etag <the ETag, verbatim>
//   size <body bytes>
//   sha256 <hex digest of the body>
//   <empty line>
//   <body>
//
// Invariants: it is written atomically (temp, fsync, rename, fsync dir), and read back only if
// every header line is there and the body has exactly that size and digest, so a torn,
// truncated or edited file is never used: LoadCachedManifest says what is wrong and the pull
// falls back to an unconditional GET. The cache says nothing about the workspace: a pull that
// uses it still observes every file against it (a damaged workspace is repaired).
//
// Thread-safety: free functions; the caller holds the workspace lock to write.
#ifndef FERRY_PULL_CACHED_MANIFEST_H_
#define FERRY_PULL_CACHED_MANIFEST_H_

#include <string>

#include "ferry/env.h"
#include "ferry/status.h"
#include "store/workspace_layout.h"

namespace ferry::pull {

struct CachedManifest {
  std::string url;
  std::string etag;
  std::string body;
};

// <workspace>/.ferry/manifest.cache
std::string CachedManifestPath(const WorkspaceLayout& layout);

// The cache at `path`: kNotFound when there is none; kInvalidArgument "<path>: <what is wrong>"
// when it is damaged or not a cache; other read errors as they come.
Result<CachedManifest> LoadCachedManifest(Env* env, const std::string& path);

Status SaveCachedManifest(Env* env, const std::string& path, const CachedManifest& cached);

}  // namespace ferry::pull

#endif  // FERRY_PULL_CACHED_MANIFEST_H_
