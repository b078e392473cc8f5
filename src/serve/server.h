// CatalogServer: `ferry serve`. Serves the catalog of one YAML file over HTTP(S) with the
// endpoints of docs/PROTOCOL.md plus the stack API of issue 4:
//
//   GET    /api/sync/manifest                      the caller's stack (manifest_builder.h)
//   GET    /api/data/<id>/download[?part=<path>]    a table's bytes (download_handler.h)
//   GET    /api/memory/bundle?domain=<slug>         a memory bundle (bundle_renderer.h)
//   GET    /api/catalog                             what the caller may subscribe to
//   PUT    /api/stack/<kind>/<id>                   subscribe (200)
//   DELETE /api/stack/<kind>/<id>                   unsubscribe (204; required item: 409)
//
// Security: every request needs "Authorization: Bearer <token>" (auth.h): none or unknown:
// 401. Anything outside the caller's grants answers 403 whether it exists or not, so ids
// are never confirmed to someone who may not see them (PROTOCOL.md's 404 for an unknown id
// would reveal existence; ferry answers 403 for both). No path from a request reaches the
// filesystem except through the catalog (table ids) or a part path that must be a safe
// relative path resolving inside root.
//
// Limits (bad input and floods get a 4xx or a timeout, never a crash or a 5xx): a header line
// over httplib's compiled 8 KiB cap answers 400, a request head over 16 KiB 431 (414 when
// the request line alone is that long), bodies over 64 KiB 413.
//
// Slow clients (plain HTTP, gated_server.h): a connection waits for its request head in the
// ConnectionGate, which holds sockets, not threads; the deadlines measure the whole wait, so
// dripping bytes does not extend them: keep_alive_timeout_s for the first byte of a request
// (closed), header_timeout_s from there to the blank line (408), body_timeout_s for the body
// (read_timeout_s of silence also ends it). A client address holds at most
// max_connections_per_address connections (more: 429) and the server at most
// max_connections (more: 503; 0: what RLIMIT_NOFILE allows, which Start raises to its hard
// limit). Complete requests run on up to max_threads threads (connection_queue.h). Over TLS,
// httplib's own per-connection threads still serve (read_timeout_s measures silence there).
//
// Reload: Reload() (on SIGHUP) and a poller (every poll_interval_ms) re-read the catalog when
// the file or a memory items directory changed; a catalog that fails to load is logged and
// the previous one keeps serving. The poller also keeps the md5 index warm. It is not what
// makes served data fresh: every request checks the tables' files and the memory items it
// serves (manifest_cache.h, memory_domains.h; docs/DESIGN.md, "Freshness").
//
// Seams: every file is read and every clock is read through ServerOptions::env (the real
// disk and clocks in `ferry serve`, src/cli/cmd_serve.cc; MemEnv in tests). The routes are
// the named handlers of handlers.h; this class only binds them to httplib.
//
// Thread-safety: Start/Stop from one thread; Reload from any thread; handlers run on the
// server's threads and read the current catalog through a shared_ptr snapshot.
#ifndef FERRY_SERVE_SERVER_H_
#define FERRY_SERVE_SERVER_H_

#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "ferry/env.h"
#include "ferry/status.h"
#include "serve/catalog.h"
#include "serve/handlers.h"
#include "serve/manifest_cache.h"
#include "serve/md5_index.h"
#include "serve/stack_store.h"

namespace httplib {
class Server;
}

namespace ferry::serve {

class GatedServer;

struct ServerOptions {
  // Required: the filesystem the catalog, tables and memory items are read from, and the
  // clock of deadlines, the racy rule and server_time. Must outlive the server.
  Env* env = nullptr;
  // Watch the served directories with inotify (change_watch.h) so an unchanged table costs
  // no lstat. Only for an env on the real disk (inotify does not see a MemEnv).
  bool watch_changes = false;
  std::string catalog_path;
  std::string state_path;  // "" -> <catalog_path>.state.sqlite
  std::string host = "127.0.0.1";
  int port = 8765;       // 0: any free port (see CatalogServer::port())
  std::string tls_cert;  // both set: HTTPS
  std::string tls_key;
  size_t max_threads = 256;
  size_t hash_threads = 0;  // 0: hardware concurrency
  int read_timeout_s = 10;
  int write_timeout_s = 30;
  int keep_alive_timeout_s = 5;
  size_t keep_alive_max_count = 1000;
  int header_timeout_s = 10;                 // a request's first byte to its blank line, in all
  int body_timeout_s = 10;                   // its head to the end of its body, in all
  size_t max_connections_per_address = 256;  // 0: no cap (behind a proxy or NAT)
  size_t max_connections = 0;                // 0: RLIMIT_NOFILE less descriptors kept for files
  int poll_interval_ms = 1000;               // 0: no polling (SIGHUP only)
  // One line per request goes here at info level; null: spdlog's default logger.
  std::shared_ptr<spdlog::logger> access_log;
};

class CatalogServer {
 public:
  // Loads the catalog (kInvalidArgument naming the line when it is broken), opens the state
  // file and hashes every served file. Does not listen yet.
  static Result<std::unique_ptr<CatalogServer>> Create(ServerOptions options);
  ~CatalogServer();  // Stop()s
  CatalogServer(const CatalogServer&) = delete;
  CatalogServer& operator=(const CatalogServer&) = delete;

  // Binds (port 0: a free port) and starts serving on background threads. kUnavailable when
  // the address cannot be bound, kInvalidArgument for an unusable TLS certificate or key.
  Status Start();
  // Stops accepting, finishes in-flight requests, joins. Idempotent.
  void Stop();
  // Re-reads the catalog now; on failure the current catalog stays and the error is returned.
  Status Reload();

  int port() const { return port_; }
  // "http://127.0.0.1:<port>" (https when TLS is on).
  std::string url() const;
  std::shared_ptr<const Catalog> catalog() const;
  Md5Index* md5_index() { return index_.get(); }

 private:
  explicit CatalogServer(ServerOptions options);
  void InstallRoutes();
  void PollLoop();
  void WarmIndex(const Catalog& catalog);
  std::string Fingerprint(const Catalog& catalog) const;
  std::string StatKey(const std::string& path) const;
  std::shared_ptr<const Served> served() const;
  ServeContext Context() const;

  ServerOptions options_;
  std::unique_ptr<httplib::Server> http_;
  GatedServer* gated_ = nullptr;  // http_ when it serves plain HTTP
  std::unique_ptr<StackStore> stack_store_;
  std::unique_ptr<Md5Index> index_;
  int port_ = -1;
  int listen_fd_ = -1;  // seen by httplib's socket-options hook at bind time

  mutable std::mutex catalog_mu_;
  std::shared_ptr<const Served> served_;  // the catalog and what derives from it
  std::string loaded_fingerprint_;        // of the last load attempt, good or bad
  std::mutex reload_mu_;                  // one reload at a time

  std::thread listen_thread_;
  std::thread poll_thread_;
  std::mutex poll_mu_;
  std::condition_variable poll_cv_;
  bool stopping_ = false;
  bool started_ = false;
};

}  // namespace ferry::serve

#endif  // FERRY_SERVE_SERVER_H_
