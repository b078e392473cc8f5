// The handlers of `ferry serve`'s routes (server.h lists them; docs/PROTOCOL.md specifies
// them): one named function per route, each taking the request as a value and filling in the
// response, with everything it reads passed in a ServeContext. httplib is only the transport:
// CatalogServer::InstallRoutes binds each function to its path and method, and a test calls
// the function directly with an httplib::Request it built, a MemEnv catalog and a fake
// clock, then asserts on the httplib::Response (status, headers, body).
//
// Every handler but the 405 one authenticates first (auth.h): no or an unknown token is 401
// with `WWW-Authenticate: Bearer`. Anything outside the caller's grants is 403 whether it
// exists or not.
//
// Thread-safety: handlers run concurrently; everything in a ServeContext is thread-safe or
// immutable, and `served` is one request's snapshot.
#ifndef FERRY_SERVE_HANDLERS_H_
#define FERRY_SERVE_HANDLERS_H_

#include <httplib.h>

#include <memory>

#include "ferry/env.h"
#include "serve/bundle_cache.h"
#include "serve/catalog.h"
#include "serve/manifest_cache.h"
#include "serve/md5_index.h"
#include "serve/memory_domains.h"
#include "serve/stack_store.h"

namespace ferry::serve {

// One catalog version with what is derived from it; swapped whole on reload, so a request
// sees one consistent version.
struct Served {
  std::shared_ptr<const Catalog> catalog;
  std::shared_ptr<MemoryDomains> memory;     // of catalog
  std::shared_ptr<ManifestCache> manifests;  // of catalog, reading memory
  std::shared_ptr<BundleCache> bundles;      // of memory
};

// What one request is served from. All pointers are borrowed for the request.
struct ServeContext {
  std::shared_ptr<const Served> served;
  FileDigests* digests = nullptr;  // the files' md5s; its env() streams downloads
  StackStore* stack_store = nullptr;
  Env* clock = nullptr;  // NowUnixNanos: the manifest's server_time
};

// Builds the snapshot of a freshly loaded catalog (`digests` and `env` outlive it).
std::shared_ptr<const Served> NewServed(std::shared_ptr<const Catalog> catalog, Env* env,
                                        FileDigests* digests);

// GET /api/sync/manifest: 200 JSON with a strong ETag (manifest_body.h: ManifestTagFor),
// gzip-coded when the client accepts it, `Vary: X-Ferry-Features, Accept-Encoding`; 304 with
// no body when If-None-Match names the current tag (either coding's); 503 when a table's file
// is missing or changing.
void HandleManifest(const ServeContext& ctx, const httplib::Request& req, httplib::Response& res);
// GET /api/data/<id>/download[?part=<path>] (req.matches[1] is the id): download_handler.h.
void HandleDownload(const ServeContext& ctx, const httplib::Request& req, httplib::Response& res);
// GET /api/memory/bundle?domain=<slug>: 200 markdown with an ETag of the bundle's token
// (entity_tags.h: `-gzip` added for the gzip coding, used when the client accepts it),
// `Vary: Accept-Encoding`; 304 when If-None-Match names it.
void HandleBundle(const ServeContext& ctx, const httplib::Request& req, httplib::Response& res);
// GET /api/catalog: what the caller may subscribe to, and whether it is in their stack.
void HandleCatalog(const ServeContext& ctx, const httplib::Request& req, httplib::Response& res);
// PUT (subscribe) / DELETE /api/stack/<kind>/<id> (req.matches[1], [2]): 200 JSON / 204;
// 409 removing a required item; 404 an unknown kind.
void HandleStackChange(const ServeContext& ctx, const httplib::Request& req, httplib::Response& res,
                       bool subscribe);
// A known route asked with a method it does not take: 405 with `Allow: <allow>`. No
// authentication: the route list is public (docs/PROTOCOL.md).
void HandleMethodNotAllowed(const char* allow, const httplib::Request& req, httplib::Response& res);

}  // namespace ferry::serve

#endif  // FERRY_SERVE_HANDLERS_H_
