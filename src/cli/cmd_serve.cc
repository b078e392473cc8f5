// `ferry serve`: the catalog server (src/serve/server.h). Parses the options, starts the
// server, prints "ferry serve: listening on <url>" on stderr once the socket accepts
// connections (scripts and tests parse it: with --listen HOST:0 it names the real port), then
// waits for signals: SIGHUP re-reads the catalog, SIGINT/SIGTERM stop cleanly (exit 0).
#include <signal.h>

#include <spdlog/sinks/stdout_sinks.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/exit_codes.h"
#include "serve/server.h"

namespace ferry::cli {
namespace {

Status ParseListen(const std::string& listen, std::string* host, int* port) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size()) {
    return Status::InvalidArgument("--listen '" + listen + "' must be HOST:PORT, e.g. "
                                   "127.0.0.1:8765 (port 0 picks a free one)");
  }
  *host = listen.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  char* end = nullptr;
  long p = std::strtol(listen.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || p < 0 || p > 65535) {
    return Status::InvalidArgument("--listen '" + listen + "': port must be 0-65535");
  }
  *port = static_cast<int>(p);
  return Status::OK();
}

class ServeCommand : public Command {
 public:
  void Configure(CLI::App* app) override {
    app->add_option("--catalog", catalog_, "The catalog YAML file (tables, packages, memory "
                                           "domains, users)")
        ->required();
    app->add_option("--listen", listen_, "HOST:PORT to listen on (port 0: a free port)")
        ->capture_default_str();
    app->add_option("--state", state_,
                    "SQLite file recording users' stack changes (default: "
                    "<catalog>.state.sqlite)");
    app->add_option("--tls-cert", tls_cert_, "PEM certificate: serve HTTPS (with --tls-key)");
    app->add_option("--tls-key", tls_key_, "PEM private key of --tls-cert");
    app->add_option("--max-threads", max_threads_,
                    "Most connections served at once (more wait)")
        ->capture_default_str();
    app->add_option("--read-timeout", read_timeout_s_,
                    "Seconds a client may stay silent before it is dropped")
        ->capture_default_str();
    app->add_option("--header-timeout", header_timeout_s_,
                    "Seconds a request's headers may take in all, from its first byte; more: 408 "
                    "(default: --read-timeout)");
    app->add_option("--body-timeout", body_timeout_s_,
                    "Seconds a request's body may take in all, after its headers (default: "
                    "--read-timeout)");
    app->add_option("--max-connections-per-address", max_per_address_,
                    "Connections one client address may hold open (more get 429; 0: no cap, "
                    "e.g. behind a proxy)")
        ->capture_default_str();
    app->add_option("--poll-interval-ms", poll_ms_,
                    "How often to check the catalog for changes (0: only on SIGHUP)")
        ->capture_default_str();
    app->footer(
        "Endpoints: GET /api/sync/manifest, GET /api/data/<id>/download[?part=<path>], GET "
        "/api/memory/bundle?domain=<slug>, GET /api/catalog, PUT|DELETE "
        "/api/stack/<packages|memory_domains|direct_tables>/<id> (docs/PROTOCOL.md).\n"
        "SIGHUP, or a change of the catalog file, re-reads the catalog; a broken one is "
        "reported and the previous one keeps serving. Exit codes: 0 stopped by SIGINT/SIGTERM; "
        "2 bad options or a broken catalog (the message names the line); 3 cannot listen.");
  }

  int Run(const GlobalOptions& global) override {
    // Signals are taken synchronously by this thread (sigwait), so they must be blocked
    // before any server thread starts: threads inherit the mask.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    serve::ServerOptions options;
    // The CLI boundary: the real disk and clocks, and inotify to watch them.
    options.env = Env::Default();
    options.watch_changes = true;
    options.catalog_path = catalog_;
    options.state_path = state_;
    options.tls_cert = tls_cert_;
    options.tls_key = tls_key_;
    options.max_threads = max_threads_;
    options.read_timeout_s = read_timeout_s_;
    // The read timeout used to be the only bound on a request (and a drip defeated it): its
    // value stays the default bound on the whole head and the whole body.
    const int whole = read_timeout_s_ < 1 ? 1 : read_timeout_s_;
    options.header_timeout_s = header_timeout_s_ > 0 ? header_timeout_s_ : whole;
    options.body_timeout_s = body_timeout_s_ > 0 ? body_timeout_s_ : whole;
    options.max_connections_per_address = max_per_address_;
    // A connection that never sends its first request is held for the keep-alive timeout,
    // so it must not outlast the read timeout the user asked for.
    if (read_timeout_s_ < options.keep_alive_timeout_s) {
      options.keep_alive_timeout_s = read_timeout_s_ < 1 ? 1 : read_timeout_s_;
    }
    options.poll_interval_ms = poll_ms_;
    Status s = ParseListen(listen_, &options.host, &options.port);
    if (!s.ok()) return ReportFailure(global, s);
    auto access = std::make_shared<spdlog::logger>(
        "ferry.access", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    access->set_pattern("%Y-%m-%dT%H:%M:%S.%e %v");
    access->set_level(global.verbosity < 0 ? spdlog::level::off : spdlog::level::info);
    options.access_log = access;

    Result<std::unique_ptr<serve::CatalogServer>> server =
        serve::CatalogServer::Create(std::move(options));
    if (!server.ok()) return ReportFailure(global, server.status());
    s = (*server)->Start();
    if (!s.ok()) return ReportFailure(global, s);
    std::fprintf(stderr, "ferry serve: listening on %s\n", (*server)->url().c_str());
    std::fflush(stderr);

    for (;;) {
      int sig = 0;
      if (sigwait(&signals, &sig) != 0) continue;
      if (sig == SIGHUP) {
        IgnoreError((*server)->Reload(), "Reload logs its failure; the old catalog serves");
        continue;
      }
      break;
    }
    (*server)->Stop();
    std::fprintf(stderr, "ferry serve: stopped\n");
    return kExitOk;
  }

 private:
  std::string catalog_;
  std::string listen_ = "127.0.0.1:8765";
  std::string state_;
  std::string tls_cert_;
  std::string tls_key_;
  size_t max_threads_ = 256;
  int read_timeout_s_ = 10;
  int header_timeout_s_ = 0;  // 0: --read-timeout
  int body_timeout_s_ = 0;
  size_t max_per_address_ = 256;
  int poll_ms_ = 1000;
};

}  // namespace

std::unique_ptr<Command> NewServeCommand() { return std::make_unique<ServeCommand>(); }

}  // namespace ferry::cli
