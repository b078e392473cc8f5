// NginxTlsServer: a real nginx (Debian's nginx-light: http_v2 and ssl) on a free loopback
// port, speaking TLS with a self-signed certificate made for the test by the openssl CLI,
// HTTP/2 by ALPN where the client offers it, for tests of ferry's client over https:// and
// h2. It serves a directory of static files, or proxies to an HTTP/1.1 upstream (a
// `ferry serve`, a LoopbackHttpServer) the way docs/DESIGN.md ("HTTP/2") tells operators to.
//
// Everything lives in its own TempDir: the config, key and certificate, the pid file, the
// error log and an access log with one line per request in the format
//   $connection $server_protocol $status $request_method $request_uri
// ($connection: nginx's serial number of the client connection), which AccessLog() parses.
//
// nginx runs in the foreground as one process (`daemon off; master_process off;`), so the
// ChildProcess that started it is the whole server: Stop() sends SIGQUIT (a graceful stop,
// which also flushes the log) and waits with a deadline, after which it is killed; the
// destructor kills a server still running. Start waits for the port to accept (a real
// signal, with a deadline), not a sleep.
//
// Thread-safety: one thread drives a server; AccessLog() and WaitForAccessLog() may be called
// from any thread.
#ifndef FERRY_TESTS_SUPPORT_NGINX_TLS_SERVER_H_
#define FERRY_TESTS_SUPPORT_NGINX_TLS_SERVER_H_

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "support/child_process.h"
#include "support/temp_dir.h"

namespace ferry::testing {

struct NginxTlsOptions {
  // Exactly one of these: a directory to serve, or an upstream's base URL
  // ("http://127.0.0.1:8765") to proxy every request to.
  std::string static_root;
  std::string proxy_to;
  bool http2 = true;  // false: `listen ... ssl;` (HTTP/1.1 over TLS only)
};

struct NginxLogEntry {
  long long connection = 0;
  std::string protocol;  // "HTTP/2.0", "HTTP/1.1"
  int status = 0;
  std::string method;
  std::string uri;
};

class NginxTlsServer {
 public:
  NginxTlsServer() = default;
  ~NginxTlsServer() { child_.Kill(); }
  NginxTlsServer(const NginxTlsServer&) = delete;
  NginxTlsServer& operator=(const NginxTlsServer&) = delete;

  // Makes the certificate and the config and starts nginx; false with `error` set (the
  // command that failed and its output, or nginx's error log) when it is not serving within
  // 20 s.
  bool Start(const NginxTlsOptions& options, std::string* error);
  // SIGQUIT, wait (at most 20 s, then SIGKILL); returns nginx's exit code.
  int Stop();

  int port() const { return port_; }
  // "https://127.0.0.1:<port><path>"; the certificate names 127.0.0.1 and localhost.
  std::string url(const std::string& path) const;
  // The certificate to trust (self-signed: it is its own CA).
  std::string ca_file() const { return dir_.Join("cert.pem"); }
  // Every request logged so far, in order. nginx logs a request after its last byte was
  // sent, so a client can have its response before the line is there: to count requests,
  // wait for them.
  std::vector<NginxLogEntry> AccessLog() const;
  // Waits until the log holds at least `n` requests (or `done` says it is complete), woken by
  // inotify when nginx writes to it; returns the log as it is then, also at the deadline.
  std::vector<NginxLogEntry> WaitForAccessLog(size_t n, std::chrono::milliseconds deadline) const;
  std::vector<NginxLogEntry> WaitForAccessLog(
      const std::function<bool(const std::vector<NginxLogEntry>&)>& done,
      std::chrono::milliseconds deadline) const;
  std::string error_log() const;

 private:
  TempDir dir_;
  ChildProcess child_;
  int port_ = -1;
};

}  // namespace ferry::testing

#endif  // FERRY_TESTS_SUPPORT_NGINX_TLS_SERVER_H_
