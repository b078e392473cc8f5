#include "serve/server.h"

#include <httplib.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <chrono>
#include <ctime>

#include "base/path.h"
#include "base/thread_pool.h"
#include "ferry/env.h"
#include "net/client_features.h"
#include "serve/access.h"
#include "serve/auth.h"
#include "serve/bundle_renderer.h"
#include "serve/connection_queue.h"
#include "serve/download_handler.h"
#include "serve/fd_limit.h"
#include "serve/gated_server.h"
#include "serve/manifest_builder.h"
#include "serve/parts.h"
#include "serve/request_log.h"
#include "serve/responses.h"

namespace ferry::serve {
namespace {

constexpr size_t kMaxBodyBytes = 64 * 1024;
constexpr int kListenBacklog = 1024;

int64_t MonotonicNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t WallNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A request path as one log-safe token: control characters and spaces are escaped so a
// crafted URL cannot forge log lines.
std::string LogSafe(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x21 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

const char* DefaultMessage(int status) {
  switch (status) {
    case 400:
      return "bad request";
    case 404:
      return "no such endpoint; see docs/PROTOCOL.md";
    case 405:
      return "method not allowed";
    case 413:
      return "request body too large";
    case 414:
      return "request URI too long";
    case 431:
      return "request headers too large";
    default:
      return "request failed";
  }
}

std::string StatKey(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return path + ":missing;";
  return path + ":" + std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
         std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + ";";
}

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

// Who is calling: resolved once per request against one catalog snapshot.
struct Caller {
  std::shared_ptr<const Catalog> catalog;
  const CatalogUser* user = nullptr;
};

}  // namespace

CatalogServer::CatalogServer(ServerOptions options) : options_(std::move(options)) {
  if (!options_.access_log) options_.access_log = spdlog::default_logger();
  if (options_.hash_threads == 0) options_.hash_threads = ThreadPool::DefaultThreadCount();
}

CatalogServer::~CatalogServer() { Stop(); }

Result<std::unique_ptr<CatalogServer>> CatalogServer::Create(ServerOptions options) {
  std::unique_ptr<CatalogServer> server(new CatalogServer(std::move(options)));
  const ServerOptions& o = server->options_;
  if (o.tls_cert.empty() != o.tls_key.empty()) {
    return Status::InvalidArgument("--tls-cert and --tls-key go together; give both or neither");
  }
  FERRY_ASSIGN_OR_RETURN(server->catalog_, LoadCatalog(o.catalog_path));
  server->loaded_fingerprint_ = server->Fingerprint(*server->catalog_);
  server->manifests_ = std::make_shared<ManifestCache>(server->catalog_, &server->index_);
  const std::string state =
      o.state_path.empty() ? o.catalog_path + ".state.sqlite" : o.state_path;
  FERRY_ASSIGN_OR_RETURN(server->stack_store_, StackStore::Open(state));
  server->WarmIndex(*server->catalog_);
  return server;
}

std::shared_ptr<const Catalog> CatalogServer::catalog() const {
  std::lock_guard<std::mutex> lock(catalog_mu_);
  return catalog_;
}

std::shared_ptr<ManifestCache> CatalogServer::manifests() const {
  std::lock_guard<std::mutex> lock(catalog_mu_);
  return manifests_;
}

std::string CatalogServer::url() const {
  return std::string(options_.tls_cert.empty() ? "http://" : "https://") + options_.host + ":" +
         std::to_string(port_);
}

std::string CatalogServer::Fingerprint(const Catalog& catalog) const {
  std::string fp = StatKey(options_.catalog_path);
  for (const CatalogDomain& d : catalog.domains) {
    fp += StatKey(d.items_dir);
    Result<std::vector<DirEntry>> entries = Env::Default()->ListDir(d.items_dir);
    if (!entries.ok()) continue;
    for (const DirEntry& e : *entries) fp += StatKey(JoinPath(d.items_dir, e.name));
  }
  return fp;
}

void CatalogServer::WarmIndex(const Catalog& catalog) {
  std::vector<std::string> paths;
  for (const CatalogTable& t : catalog.tables) {
    if (!t.has_file()) continue;
    if (!t.partitioned()) {
      paths.push_back(t.abs_path);
      continue;
    }
    Result<std::vector<PartFile>> parts = ListParts(catalog.root, t.abs_path);
    if (!parts.ok()) continue;  // reported when a manifest asks for the table
    for (const PartFile& p : *parts) paths.push_back(p.abs_path);
  }
  index_.Warm(paths, options_.hash_threads);
}

Status CatalogServer::Reload() {
  std::lock_guard<std::mutex> reload_lock(reload_mu_);
  std::shared_ptr<const Catalog> current = catalog();
  const std::string attempted = Fingerprint(*current);
  Result<std::shared_ptr<const Catalog>> loaded = LoadCatalog(options_.catalog_path);
  if (!loaded.ok()) {
    {
      std::lock_guard<std::mutex> lock(catalog_mu_);
      loaded_fingerprint_ = attempted;
    }
    spdlog::error("catalog reload failed; still serving the previous catalog: {}",
                  loaded.status().message());
    return loaded.status();
  }
  std::shared_ptr<const Catalog> fresh = std::move(loaded).value();
  WarmIndex(*fresh);  // before the swap, so the first manifest after it is fast
  const std::string fp = Fingerprint(*fresh);
  auto manifests = std::make_shared<ManifestCache>(fresh, &index_);
  {
    std::lock_guard<std::mutex> lock(catalog_mu_);
    catalog_ = fresh;
    manifests_ = std::move(manifests);
    loaded_fingerprint_ = fp;
  }
  spdlog::warn("catalog reloaded from {}: {} tables, {} packages, {} memory domains, {} users",
               options_.catalog_path, fresh->tables.size(), fresh->packages.size(),
               fresh->domains.size(), fresh->users.size());
  return Status::OK();
}

void CatalogServer::PollLoop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(poll_mu_);
      poll_cv_.wait_for(lock, std::chrono::milliseconds(options_.poll_interval_ms),
                        [this] { return stopping_; });
      if (stopping_) return;
    }
    std::shared_ptr<const Catalog> current = catalog();
    std::string fp = Fingerprint(*current);
    bool changed;
    {
      std::lock_guard<std::mutex> lock(catalog_mu_);
      changed = fp != loaded_fingerprint_;
    }
    if (changed) {
      IgnoreError(Reload(), "Reload logs its own failure and keeps the old catalog");
    } else {
      WarmIndex(*current);  // hashes files that changed since, off the request path
    }
  }
}

Status CatalogServer::Start() {
  if (started_) return Status::Internal("CatalogServer::Start called twice");
  if (!options_.tls_cert.empty()) {
    auto ssl = std::make_unique<httplib::SSLServer>(options_.tls_cert.c_str(),
                                                    options_.tls_key.c_str());
    if (!ssl->is_valid()) {
      return Status::InvalidArgument("cannot use TLS certificate " + options_.tls_cert +
                                     " with key " + options_.tls_key +
                                     ": check that both are PEM files and belong together");
    }
    http_ = std::move(ssl);
    const size_t max_threads = options_.max_threads;
    http_->new_task_queue = [max_threads] { return new ConnectionQueue(max_threads); };
  } else {
    const size_t fd_connections = ConnectionsForOpenFileLimit(RaiseOpenFileLimit());
    GatedServerOptions g;
    g.max_threads = options_.max_threads;
    g.idle_timeout_ms = int64_t{options_.keep_alive_timeout_s} * 1000;
    g.header_timeout_ms = int64_t{options_.header_timeout_s} * 1000;
    g.body_timeout_ms = int64_t{options_.body_timeout_s} * 1000;
    g.read_timeout_ms = int64_t{options_.read_timeout_s} * 1000;
    g.write_timeout_ms = int64_t{options_.write_timeout_s} * 1000;
    g.keep_alive_max_count = options_.keep_alive_max_count;
    g.max_connections_per_address = options_.max_connections_per_address;
    g.max_connections = options_.max_connections == 0
                            ? fd_connections
                            : std::min(options_.max_connections, fd_connections);
    auto gated = std::make_unique<GatedServer>(g);
    FERRY_RETURN_IF_ERROR(gated->StartGate());
    gated_ = gated.get();
    http_ = std::move(gated);
  }
  http_->set_read_timeout(options_.read_timeout_s, 0);
  http_->set_write_timeout(options_.write_timeout_s, 0);
  http_->set_keep_alive_timeout(options_.keep_alive_timeout_s);
  http_->set_keep_alive_max_count(options_.keep_alive_max_count);
  http_->set_payload_max_length(kMaxBodyBytes);
  http_->set_tcp_nodelay(true);
  // httplib 0.11 listens with a compiled-in backlog of 5: a burst of connections overflows it
  // and each dropped SYN costs its client a 1 s retransmit. Remember the listening socket
  // (this hook sees only that one) and widen the backlog after the bind.
  http_->set_socket_options([this](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listen_fd_ = sock;
  });
  InstallRoutes();

  if (options_.port == 0) {
    port_ = http_->bind_to_any_port(options_.host);
  } else {
    port_ = http_->bind_to_port(options_.host, options_.port) ? options_.port : -1;
  }
  if (port_ <= 0) {
    return Status::Unavailable("cannot listen on " + options_.host + ":" +
                                   std::to_string(options_.port) +
                                   ": the address is in use or not local; pick another "
                                   "--listen",
                               false);
  }
  if (listen_fd_ >= 0 && ::listen(listen_fd_, kListenBacklog) != 0) {
    spdlog::warn("serve: cannot widen the listen backlog: {}", std::strerror(errno));
  }
  started_ = true;
  listen_thread_ = std::thread([this] { http_->listen_after_bind(); });
  if (options_.poll_interval_ms > 0) poll_thread_ = std::thread([this] { PollLoop(); });
  return Status::OK();
}

void CatalogServer::Stop() {
  {
    std::lock_guard<std::mutex> lock(poll_mu_);
    stopping_ = true;
  }
  poll_cv_.notify_all();
  if (poll_thread_.joinable()) poll_thread_.join();
  if (http_) http_->stop();
  if (listen_thread_.joinable()) listen_thread_.join();
  if (gated_ != nullptr) gated_->StopGate();  // after the accept loop: no more hand-offs
}

void CatalogServer::InstallRoutes() {
  using httplib::Request;
  using httplib::Response;
  auto log = options_.access_log;

  http_->set_pre_routing_handler([](const Request& req, Response&) {
    RequestLog::Current().Begin(MonotonicNs());
    // Ranges are answered by the download handler alone: httplib would otherwise slice every
    // other body by them, unchecked against the body's size.
    const_cast<Request&>(req).ranges.clear();
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http_->set_error_handler(httplib::Server::HandlerWithResponse([](const Request& req,
                                                                   Response& res) {
    const_cast<Request&>(req).ranges.clear();
    if (!res.body.empty() || res.status == 416 || res.status == 304) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    SetError(res, res.status, DefaultMessage(res.status));
    return httplib::Server::HandlerResponse::Handled;
  }));
  http_->set_exception_handler([](const Request& req, Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    spdlog::error("serve: {} {} failed: {}", req.method, LogSafe(req.path), what);
    SetError(res, 500, "internal error; see the server's log");
  });
  http_->set_logger([log](const Request& req, const Response& res) {
    RequestLog& r = RequestLog::Current();
    const int64_t ms = r.start_ns > 0 ? (MonotonicNs() - r.start_ns) / 1'000'000 : 0;
    const uint64_t bytes = r.streamed ? r.streamed_bytes : res.body.size();
    log->info("{} {} user={} status={} bytes={} ms={}", LogSafe(req.method), LogSafe(req.path),
              r.start_ns > 0 ? LogSafe(r.user) : "-", res.status, bytes, ms);
    r.Begin(0);
  });

  // Authenticates the request against the caller's catalog (the current one unless set);
  // answers 401 when it fails.
  auto authorize = [this](const Request& req, Response& res, Caller* caller) {
    if (!caller->catalog) caller->catalog = catalog();
    const std::string token = BearerToken(req.get_header_value("Authorization"));
    caller->user = Authenticate(*caller->catalog, token);
    if (caller->user == nullptr) {
      res.set_header("WWW-Authenticate", "Bearer");
      SetError(res, 401,
               token.empty() ? "missing 'Authorization: Bearer <token>' header"
                             : "unknown token; check --token or FERRY_TOKEN");
      return false;
    }
    RequestLog::Current().user = caller->user->name;
    return true;
  };

  http_->Get("/api/sync/manifest", [this, authorize](const Request& req, Response& res) {
    // The catalog and its manifest cache are taken together, so the user found in one is
    // the user of the other.
    std::shared_ptr<ManifestCache> manifests = this->manifests();
    Caller c;
    c.catalog = manifests->catalog();
    if (!authorize(req, res, &c)) return;
    // The body depends on the client's features (PROTOCOL.md, "Older clients"): say so to
    // any cache in between.
    res.set_header("Vary", std::string(kFeaturesHeader));
    Result<std::string> body = manifests->Body(*c.user, stack_store_->OverridesFor(c.user->name),
                                               WallNs(), FeaturesOf(req));
    if (!body.ok()) {
      spdlog::warn("serve: manifest for {}: {}", c.user->name, body.status().message());
      return SetStatusError(res, body.status());
    }
    res.status = 200;
    res.body = std::move(body).value();
    res.set_header("Content-Type", "application/json");
  });

  http_->Get(R"(/api/data/([^/]+)/download)", [this, authorize](const Request& req,
                                                                 Response& res) {
    Caller c;
    if (!authorize(req, res, &c)) return;
    const std::string id = req.matches[1];
    const CatalogTable* t = c.catalog->FindTable(id);
    if (t == nullptr || !CanReadTable(*c.catalog, *c.user, id)) {
      return SetError(res, 403, "table '" + id + "' is not in your grants");
    }
    if (t->server_only) {
      return SetError(res, 403, "table '" + id + "' is server_only and is never downloaded");
    }
    if (!t->has_file()) {
      return SetError(res, 404, "table '" + id + "' has no file (query_mode " + t->query_mode +
                                    ")");
    }
    const bool has_part = req.has_param("part");
    if (!t->partitioned()) {
      if (has_part) return SetError(res, 400, "table '" + id + "' is not partitioned; drop ?part=");
      return ServeFileDownload(req, res, t->abs_path, &index_);
    }
    if (!has_part) {
      // Only a client that ignored the manifest gets here: without the `parts` feature the
      // table is announced as remote, with it each part has its own URL.
      return SetError(res, 400, "table '" + id + "' is partitioned and has no single file; "
                                                 "ask for one part with ?part=<path> (clients "
                                                 "that send 'X-Ferry-Features: parts' see "
                                                 "the parts in the manifest)");
    }
    const std::string part = req.get_param_value("part");
    if (!IsSafeRelativePath(part) || part.size() < 9 ||
        part.compare(part.size() - 8, 8, ".parquet") != 0) {
      return SetError(res, 400, "part '" + part + "' is not a safe relative path to a "
                                                  ".parquet file");
    }
    Result<std::string> abs = ResolveInsideRoot(c.catalog->root, t->dir + "/" + part);
    if (!abs.ok()) return SetError(res, 404, "table '" + id + "' has no part '" + part + "'");
    ServeFileDownload(req, res, *abs, &index_);
  });

  http_->Get("/api/memory/bundle", [authorize](const Request& req, Response& res) {
    Caller c;
    if (!authorize(req, res, &c)) return;
    const std::string slug = req.get_param_value("domain");
    const CatalogDomain* d = c.catalog->FindDomain(slug);
    if (d == nullptr || !MaySubscribe(*c.user, StackKind::kMemoryDomains, slug)) {
      return SetError(res, 403, "memory domain '" + slug + "' is not in your grants");
    }
    BundleInput bundle{d->name, d->description, d->items};
    res.set_header("ETag", "\"" + BundleChangeToken(bundle) + "\"");
    res.status = 200;
    res.set_content(RenderBundle(bundle), "text/markdown; charset=utf-8");
  });

  http_->Get("/api/catalog", [this, authorize](const Request& req, Response& res) {
    Caller c;
    if (!authorize(req, res, &c)) return;
    const Catalog& cat = *c.catalog;
    const CatalogUser& u = *c.user;
    const UserStack stack = ResolveStack(cat, u, stack_store_->OverridesFor(u.name));
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
    for (const CatalogDomain& d : cat.domains) {
      if (!MaySubscribe(u, StackKind::kMemoryDomains, d.slug)) continue;
      BundleInput bundle{d.name, d.description, d.items};
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
  });

  auto change_stack = [this, authorize](const Request& req, Response& res, bool subscribe) {
    Caller c;
    if (!authorize(req, res, &c)) return;
    StackKind kind;
    const std::string kind_text = req.matches[1];
    const std::string id = req.matches[2];
    if (!ParseStackKind(kind_text, &kind)) {
      return SetError(res, 404, "unknown stack kind '" + kind_text +
                                    "'; use packages, memory_domains or direct_tables");
    }
    const char* noun = kind == StackKind::kPackages        ? "package"
                       : kind == StackKind::kMemoryDomains ? "memory domain"
                                                           : "direct table";
    if (!MaySubscribe(*c.user, kind, id)) {
      return SetError(res, 403, std::string(noun) + " '" + id + "' is not in your grants");
    }
    if (!subscribe && IsRequired(*c.catalog, kind, id)) {
      return SetError(res, 409, std::string("cannot remove required ") + noun + " '" + id + "'");
    }
    Status s = stack_store_->Set(c.user->name, kind, id, subscribe);
    if (!s.ok()) {
      spdlog::error("serve: {}", s.message());
      return SetStatusError(res, Status::Unavailable("cannot record the stack change; try "
                                                     "again"));
    }
    if (!subscribe) {
      res.status = 204;
      return;
    }
    SetJson(res, 200, {{"kind", StackKindName(kind)}, {"id", id}, {"in_stack", true}});
  };
  const char* stack_route = R"(/api/stack/([a-z_]+)/([^/]+))";
  http_->Put(stack_route, [change_stack](const Request& req, Response& res) {
    change_stack(req, res, true);
  });
  http_->Delete(stack_route, [change_stack](const Request& req, Response& res) {
    change_stack(req, res, false);
  });

  // A known route asked with another method is a 405 naming the methods it takes (RFC 9110
  // 15.5.6), not a 404 that would say the route does not exist. No authentication first:
  // the route list is public (docs/PROTOCOL.md).
  auto not_allowed = [](const char* allow) {
    return [allow](const Request& req, Response& res) {
      res.set_header("Allow", allow);
      SetError(res, 405, "method " + req.method + " is not allowed here; use " + allow);
    };
  };
  for (const char* route : {"/api/sync/manifest", R"(/api/data/([^/]+)/download)",
                            "/api/memory/bundle", "/api/catalog"}) {
    http_->Post(route, not_allowed("GET, HEAD"));
    http_->Put(route, not_allowed("GET, HEAD"));
    http_->Patch(route, not_allowed("GET, HEAD"));
    http_->Delete(route, not_allowed("GET, HEAD"));
  }
  http_->Get(stack_route, not_allowed("PUT, DELETE"));
  http_->Post(stack_route, not_allowed("PUT, DELETE"));
  http_->Patch(stack_route, not_allowed("PUT, DELETE"));
}

}  // namespace ferry::serve
