#include "serve/handlers.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "base/path.h"
#include "net/client_features.h"
#include "serve/access.h"
#include "serve/auth.h"
#include "serve/bundle_renderer.h"
#include "serve/content_coding.h"
#include "serve/download_handler.h"
#include "serve/entity_tags.h"
#include "serve/manifest_builder.h"
#include "serve/request_log.h"
#include "serve/responses.h"

namespace ferry::serve {
namespace {

// What the caller understands beyond the seed's protocol, from every X-Ferry-Features line
// (net/client_features.h); none for a client that sends no such header.
ClientFeatures FeaturesOf(const httplib::Request& req) {
  const std::string name(kFeaturesHeader);
  ClientFeatures features;
  const size_t lines = req.get_header_value_count(name);
  for (size_t i = 0; i < lines; ++i) {
    features = ParseClientFeatures(req.get_header_value(name, i), features);
  }
  return features;
}

// The caller's user in `catalog`, or null after answering 401.
const CatalogUser* Authorize(const Catalog& catalog, const httplib::Request& req,
                             httplib::Response& res) {
  const std::string token = BearerToken(req.get_header_value("Authorization"));
  const CatalogUser* user = Authenticate(catalog, token);
  if (user == nullptr) {
    res.set_header("WWW-Authenticate", "Bearer");
    SetError(res, 401,
             token.empty() ? "missing 'Authorization: Bearer <token>' header"
                           : "unknown token; check --token or FERRY_TOKEN");
    return nullptr;
  }
  RequestLog::Current().user = user->name;
  return user;
}

}  // namespace

std::shared_ptr<const Served> NewServed(std::shared_ptr<const Catalog> catalog, Env* env,
                                        FileDigests* digests) {
  auto s = std::make_shared<Served>();
  s->catalog = std::move(catalog);
  s->memory = std::make_shared<MemoryDomains>(env, s->catalog);
  s->manifests = std::make_shared<ManifestCache>(s->catalog, digests, s->memory.get());
  s->bundles = std::make_shared<BundleCache>(s->catalog->domains.size());
  return s;
}

void HandleManifest(const ServeContext& ctx, const httplib::Request& req, httplib::Response& res) {
  const CatalogUser* user = Authorize(*ctx.served->catalog, req, res);
  if (user == nullptr) return;
  // The body depends on the client's features (PROTOCOL.md, "Older clients") and its coding
  // on Accept-Encoding: say so to any cache in between.
  res.set_header("Vary", std::string(kFeaturesHeader) + ", Accept-Encoding");
  Result<std::shared_ptr<const ManifestBody>> body = ctx.served->manifests->Current(
      *user, ctx.stack_store->OverridesFor(user->name), FeaturesOf(req));
  if (!body.ok()) {
    spdlog::warn("serve: manifest for {}: {}", user->name, body.status().message());
    return SetStatusError(res, body.status());
  }
  // gzip first: the body differs per request only in server_time, and gzip bodies are
  // spliced around it from pieces compressed once per version. brotli streams cannot be, so a
  // client that takes brotli and not gzip gets a fast per-request brotli body
  // (docs/PROTOCOL.md "Compression").
  const std::string accept = req.get_header_value("Accept-Encoding");
  Coding coding = Coding::kIdentity;
  if (AcceptsCoding(accept, Coding::kGzip)) {
    coding = Coding::kGzip;
  } else if (AcceptsCoding(accept, Coding::kBrotli)) {
    coding = Coding::kBrotli;
  }
  const std::string tag = ManifestTagFor(user->name, **body);
  if (IfNoneMatchHits(req.get_header_value("If-None-Match"), tag)) {
    res.set_header("ETag", EntityTag(tag, coding));
    res.status = 304;  // RFC 9110 15.4.5: the ETag and Vary of the 200, no body
    return;
  }
  const int64_t now = ctx.clock->NowUnixNanos();
  std::shared_ptr<const std::string> coded;
  if (coding == Coding::kGzip) {
    coded = std::make_shared<const std::string>((*body)->Gzip(now));
  } else if (coding == Coding::kBrotli) {
    std::optional<std::string> br = Brotli((*body)->Identity(now), BrotliCost::kPerRequest);
    if (br) coded = std::make_shared<const std::string>(std::move(*br));
    if (!coded) coding = Coding::kIdentity;  // the encoder failed (out of memory)
  }
  res.set_header("ETag", EntityTag(tag, coding));
  res.status = 200;
  if (coding == Coding::kIdentity) {
    res.set_content((*body)->Identity(now), "application/json");
    return;
  }
  res.set_header("Content-Encoding", std::string(CodingName(coding)));
  SetPrecodedContent(res, coded, "application/json");
}

void HandleDownload(const ServeContext& ctx, const httplib::Request& req, httplib::Response& res) {
  const Catalog& catalog = *ctx.served->catalog;
  const CatalogUser* user = Authorize(catalog, req, res);
  if (user == nullptr) return;
  const std::string id = req.matches[1];
  const CatalogTable* t = catalog.FindTable(id);
  if (t == nullptr || !CanReadTable(catalog, *user, id)) {
    return SetError(res, 403, "table '" + id + "' is not in your grants");
  }
  if (t->server_only) {
    return SetError(res, 403, "table '" + id + "' is server_only and is never downloaded");
  }
  if (!t->has_file()) {
    return SetError(res, 404, "table '" + id + "' has no file (query_mode " + t->query_mode + ")");
  }
  const bool has_part = req.has_param("part");
  if (!t->partitioned()) {
    if (has_part) return SetError(res, 400, "table '" + id + "' is not partitioned; drop ?part=");
    return ServeFileDownload(req, res, t->abs_path, ctx.digests);
  }
  if (!has_part) {
    // Only a client that ignored the manifest gets here: without the `parts` feature the
    // table is announced as remote, with it each part has its own URL.
    return SetError(res, 400,
                    "table '" + id +
                        "' is partitioned and has no single file; ask for one part with "
                        "?part=<path> (clients that send 'X-Ferry-Features: parts' see the "
                        "parts in the manifest)");
  }
  const std::string part = req.get_param_value("part");
  if (!IsSafeRelativePath(part) || part.size() < 9 ||
      part.compare(part.size() - 8, 8, ".parquet") != 0) {
    return SetError(res, 400, "part '" + part + "' is not a safe relative path to a .parquet file");
  }
  Result<std::string> abs =
      ResolveInsideRoot(ctx.digests->env(), catalog.root, t->dir + "/" + part);
  if (!abs.ok()) return SetError(res, 404, "table '" + id + "' has no part '" + part + "'");
  ServeFileDownload(req, res, *abs, ctx.digests);
}

void HandleBundle(const ServeContext& ctx, const httplib::Request& req, httplib::Response& res) {
  const Catalog& catalog = *ctx.served->catalog;
  const CatalogUser* user = Authorize(catalog, req, res);
  if (user == nullptr) return;
  const std::string slug = req.get_param_value("domain");
  const CatalogDomain* d = catalog.FindDomain(slug);
  if (d == nullptr || !MaySubscribe(*user, StackKind::kMemoryDomains, slug)) {
    return SetError(res, 403, "memory domain '" + slug + "' is not in your grants");
  }
  // The items as they are now (memory_domains.h), not as the catalog loaded them.
  const size_t index = static_cast<size_t>(d - catalog.domains.data());
  std::shared_ptr<const RenderedBundle> bundle =
      ctx.served->bundles->For(index, ctx.served->memory->Current(index));
  const std::string accept = req.get_header_value("Accept-Encoding");
  Coding coding = PreferredCoding(accept);
  res.set_header("Vary", "Accept-Encoding");
  if (IfNoneMatchHits(req.get_header_value("If-None-Match"), bundle->token())) {
    res.set_header("ETag", EntityTag(bundle->token(), coding));
    res.status = 304;
    return;
  }
  std::shared_ptr<const std::string> coded;
  if (coding == Coding::kBrotli) {
    coded = bundle->brotli();
    // The encoder failed (out of memory): the next best coding the client takes.
    if (!coded) coding = AcceptsCoding(accept, Coding::kGzip) ? Coding::kGzip : Coding::kIdentity;
  }
  if (coding == Coding::kGzip) coded = bundle->gzip();
  res.set_header("ETag", EntityTag(bundle->token(), coding));
  res.status = 200;
  if (coding == Coding::kIdentity) {
    // Precoded too: httplib would otherwise compress a text/* body on every request itself.
    SetPrecodedContent(res, std::shared_ptr<const std::string>(bundle, &bundle->text()),
                       "text/markdown; charset=utf-8");
    return;
  }
  res.set_header("Content-Encoding", std::string(CodingName(coding)));
  SetPrecodedContent(res, coded, "text/markdown; charset=utf-8");
}

void HandleCatalog(const ServeContext& ctx, const httplib::Request& req, httplib::Response& res) {
  const Catalog& cat = *ctx.served->catalog;
  const CatalogUser* user = Authorize(cat, req, res);
  if (user == nullptr) return;
  const CatalogUser& u = *user;
  const UserStack stack = ResolveStack(cat, u, ctx.stack_store->OverridesFor(u.name));
  auto in = [](const auto& list, const auto* item) {
    return std::find(list.begin(), list.end(), item) != list.end();
  };
  nlohmann::json packages = nlohmann::json::array();
  for (const CatalogPackage& p : cat.packages) {
    if (!MaySubscribe(u, StackKind::kPackages, p.slug)) continue;
    packages.push_back({{"slug", p.slug},
                        {"name", p.name},
                        {"description", p.description},
                        {"requirement", RequirementName(p.requirement)},
                        {"in_stack", in(stack.packages, &p)},
                        {"tables", p.tables}});
  }
  nlohmann::json domains = nlohmann::json::array();
  for (size_t i = 0; i < cat.domains.size(); ++i) {
    const CatalogDomain& d = cat.domains[i];
    if (!MaySubscribe(u, StackKind::kMemoryDomains, d.slug)) continue;
    std::shared_ptr<const DomainState> now = ctx.served->memory->Current(i);
    BundleInput bundle{d.name, d.description, now->domain.items};
    domains.push_back({{"slug", d.slug},
                       {"name", d.name},
                       {"description", d.description},
                       {"requirement", RequirementName(d.requirement)},
                       {"in_stack", in(stack.domains, &d)},
                       {"items_count", CountBundleItems(bundle).items}});
  }
  nlohmann::json tables = nlohmann::json::array();
  for (const CatalogTable& t : cat.tables) {
    if (!MaySubscribe(u, StackKind::kDirectTables, t.id)) continue;
    tables.push_back({{"id", t.id},
                      {"name", t.name},
                      {"query_mode", t.query_mode},
                      {"in_stack", in(stack.direct_tables, &t)}});
  }
  SetJson(res, 200,
          {{"user", u.name},
           {"packages", std::move(packages)},
           {"memory_domains", std::move(domains)},
           {"direct_tables", std::move(tables)}});
}

void HandleStackChange(const ServeContext& ctx, const httplib::Request& req, httplib::Response& res,
                       bool subscribe) {
  const Catalog& catalog = *ctx.served->catalog;
  const CatalogUser* user = Authorize(catalog, req, res);
  if (user == nullptr) return;
  StackKind kind;
  const std::string kind_text = req.matches[1];
  const std::string id = req.matches[2];
  if (!ParseStackKind(kind_text, &kind)) {
    return SetError(
        res, 404,
        "unknown stack kind '" + kind_text + "'; use packages, memory_domains or direct_tables");
  }
  const char* noun = kind == StackKind::kPackages        ? "package"
                     : kind == StackKind::kMemoryDomains ? "memory domain"
                                                         : "direct table";
  if (!MaySubscribe(*user, kind, id)) {
    return SetError(res, 403, std::string(noun) + " '" + id + "' is not in your grants");
  }
  if (!subscribe && IsRequired(catalog, kind, id)) {
    return SetError(res, 409, std::string("cannot remove required ") + noun + " '" + id + "'");
  }
  Status s = ctx.stack_store->Set(user->name, kind, id, subscribe);
  if (!s.ok()) {
    spdlog::error("serve: {}", s.message());
    return SetStatusError(res, Status::Unavailable("cannot record the stack change; try again"));
  }
  if (!subscribe) {
    res.status = 204;
    return;
  }
  SetJson(res, 200, {{"kind", StackKindName(kind)}, {"id", id}, {"in_stack", true}});
}

void HandleMethodNotAllowed(const char* allow, const httplib::Request& req,
                            httplib::Response& res) {
  // RFC 9110 15.5.6: a 405 names the methods the route takes, rather than a 404 that would
  // say the route does not exist.
  res.set_header("Allow", allow);
  SetError(res, 405, "method " + req.method + " is not allowed here; use " + allow);
}

}  // namespace ferry::serve
