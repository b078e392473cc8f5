#include "serve/server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "base/path.h"
#include "base/thread_pool.h"
#include "ferry/env.h"
#include "serve/connection_queue.h"
#include "serve/fd_limit.h"
#include "serve/gated_server.h"
#include "serve/parts.h"
#include "serve/request_log.h"
#include "serve/responses.h"

namespace ferry::serve {
namespace {

constexpr size_t kMaxBodyBytes = 64 * 1024;
constexpr int kListenBacklog = 1024;

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

}  // namespace

CatalogServer::CatalogServer(ServerOptions options) : options_(std::move(options)) {
  if (!options_.access_log) options_.access_log = spdlog::default_logger();
  if (options_.hash_threads == 0) options_.hash_threads = ThreadPool::DefaultThreadCount();
  index_ = std::make_unique<Md5Index>(
      options_.env, options_.watch_changes ? std::make_unique<ChangeWatch>(options_.env) : nullptr);
}

CatalogServer::~CatalogServer() { Stop(); }

Result<std::unique_ptr<CatalogServer>> CatalogServer::Create(ServerOptions options) {
  if (options.env == nullptr) {
    return Status::InvalidArgument("CatalogServer: ServerOptions::env is required");
  }
  std::unique_ptr<CatalogServer> server(new CatalogServer(std::move(options)));
  const ServerOptions& o = server->options_;
  if (o.tls_cert.empty() != o.tls_key.empty()) {
    return Status::InvalidArgument("--tls-cert and --tls-key go together; give both or neither");
  }
  FERRY_ASSIGN_OR_RETURN(std::shared_ptr<const Catalog> catalog,
                         LoadCatalog(o.env, o.catalog_path));
  server->loaded_fingerprint_ = server->Fingerprint(*catalog);
  server->served_ = NewServed(std::move(catalog), o.env, server->index_.get());
  const std::string state = o.state_path.empty() ? o.catalog_path + ".state.sqlite" : o.state_path;
  FERRY_ASSIGN_OR_RETURN(server->stack_store_, StackStore::Open(state));
  server->WarmIndex(*server->served_->catalog);
  return server;
}

std::shared_ptr<const Catalog> CatalogServer::catalog() const { return served()->catalog; }

std::shared_ptr<const Served> CatalogServer::served() const {
  std::lock_guard<std::mutex> lock(catalog_mu_);
  return served_;
}

ServeContext CatalogServer::Context() const {
  return ServeContext{served(), index_.get(), stack_store_.get(), options_.env};
}

std::string CatalogServer::url() const {
  return std::string(options_.tls_cert.empty() ? "http://" : "https://") + options_.host + ":" +
         std::to_string(port_);
}

std::string CatalogServer::StatKey(const std::string& path) const {
  Result<FileInfo> st = options_.env->Stat(path);
  if (!st.ok()) return path + ":missing;";
  return path + ":" + std::to_string(st->inode) + ":" + std::to_string(st->size) + ":" +
         std::to_string(st->mtime_ns) + ";";
}

std::string CatalogServer::Fingerprint(const Catalog& catalog) const {
  std::string fp = StatKey(options_.catalog_path);
  for (const CatalogDomain& d : catalog.domains) {
    fp += StatKey(d.items_dir);
    Result<std::vector<DirEntry>> entries = options_.env->ListDir(d.items_dir);
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
    Result<std::vector<PartFile>> parts = ListParts(options_.env, catalog.root, t.abs_path);
    if (!parts.ok()) continue;  // reported when a manifest asks for the table
    for (const PartFile& p : *parts) paths.push_back(p.abs_path);
  }
  index_->Warm(paths, options_.hash_threads);
}

Status CatalogServer::Reload() {
  std::lock_guard<std::mutex> reload_lock(reload_mu_);
  std::shared_ptr<const Catalog> current = catalog();
  const std::string attempted = Fingerprint(*current);
  Result<std::shared_ptr<const Catalog>> loaded = LoadCatalog(options_.env, options_.catalog_path);
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
  std::shared_ptr<const Served> served = NewServed(fresh, options_.env, index_.get());
  {
    std::lock_guard<std::mutex> lock(catalog_mu_);
    served_ = std::move(served);
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
    auto ssl =
        std::make_unique<httplib::SSLServer>(options_.tls_cert.c_str(), options_.tls_key.c_str());
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
    g.clock = options_.env;
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
  Env* clock = options_.env;

  http_->set_pre_routing_handler([clock](const Request& req, Response&) {
    RequestLog::Current().Begin(clock->NowMonotonicNanos());
    // Ranges are answered by the download handler alone: httplib would otherwise slice every
    // other body by them, unchecked against the body's size.
    const_cast<Request&>(req).ranges.clear();
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http_->set_error_handler(
      httplib::Server::HandlerWithResponse([](const Request& req, Response& res) {
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
  http_->set_logger([log, clock](const Request& req, const Response& res) {
    RequestLog& r = RequestLog::Current();
    const int64_t ms = r.start_ns > 0 ? (clock->NowMonotonicNanos() - r.start_ns) / 1'000'000 : 0;
    const uint64_t bytes = r.streamed ? r.streamed_bytes : res.body.size();
    log->info("{} {} user={} status={} bytes={} ms={}", LogSafe(req.method), LogSafe(req.path),
              r.start_ns > 0 ? LogSafe(r.user) : "-", res.status, bytes, ms);
    r.Begin(0);
  });

  // Each route's handler (handlers.h) gets this request's snapshot of the catalog.
  using Handler = void (*)(const ServeContext&, const Request&, Response&);
  auto route = [this](Handler handler) {
    return [this, handler](const Request& req, Response& res) { handler(Context(), req, res); };
  };
  const char* manifest = "/api/sync/manifest";
  const char* download = R"(/api/data/([^/]+)/download)";
  const char* bundle = "/api/memory/bundle";
  const char* catalog = "/api/catalog";
  const char* stack = R"(/api/stack/([a-z_]+)/([^/]+))";
  http_->Get(manifest, route(HandleManifest));
  http_->Get(download, route(HandleDownload));
  http_->Get(bundle, route(HandleBundle));
  http_->Get(catalog, route(HandleCatalog));
  http_->Put(stack, [this](const Request& req, Response& res) {
    HandleStackChange(Context(), req, res, /*subscribe=*/true);
  });
  http_->Delete(stack, [this](const Request& req, Response& res) {
    HandleStackChange(Context(), req, res, /*subscribe=*/false);
  });

  auto not_allowed = [](const char* allow) {
    return [allow](const Request& req, Response& res) { HandleMethodNotAllowed(allow, req, res); };
  };
  for (const char* path : {manifest, download, bundle, catalog}) {
    http_->Post(path, not_allowed("GET, HEAD"));
    http_->Put(path, not_allowed("GET, HEAD"));
    http_->Patch(path, not_allowed("GET, HEAD"));
    http_->Delete(path, not_allowed("GET, HEAD"));
  }
  http_->Get(stack, not_allowed("PUT, DELETE"));
  http_->Post(stack, not_allowed("PUT, DELETE"));
  http_->Patch(stack, not_allowed("PUT, DELETE"));
}

}  // namespace ferry::serve
