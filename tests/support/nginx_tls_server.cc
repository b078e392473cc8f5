#include "support/nginx_tls_server.h"

#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <sstream>

#include "support/file_contents.h"
#include "support/loopback_port.h"
#include "support/run_command.h"

namespace ferry::testing {
namespace {

std::string Config(const TempDir& dir, int port, const NginxTlsOptions& o) {
  std::string location;
  std::string upstream;
  if (!o.proxy_to.empty()) {
    // The proxy setup docs/DESIGN.md ("HTTP/2") recommends in front of `ferry serve`:
    // HTTP/1.1 with keep-alive to the upstream, bodies streamed rather than spooled.
    std::string host = o.proxy_to.substr(o.proxy_to.find("://") + 3);
    upstream = "  upstream backend {\n    server " + host + ";\n    keepalive 16;\n  }\n";
    location =
        "      proxy_pass http://backend;\n"
        "      proxy_http_version 1.1;\n"
        "      proxy_set_header Connection \"\";\n"
        "      proxy_set_header Host $http_host;\n"
        "      proxy_buffering off;\n"
        "      proxy_request_buffering off;\n";
  } else {
    location = "      root " + o.static_root + ";\n";
  }
  return "daemon off;\n"
         "master_process off;\n"
         "pid " +
         dir.Join("nginx.pid") +
         ";\n"
         "error_log " +
         dir.Join("error.log") +
         " info;\n"
         "events { worker_connections 1024; }\n"
         "http {\n"
         "  log_format conn '$connection $server_protocol $status $request_method "
         "$request_uri';\n"
         "  access_log " +
         dir.Join("access.log") +
         " conn;\n"
         "  client_body_temp_path " +
         dir.Join("tmp-body") +
         ";\n"
         "  proxy_temp_path " +
         dir.Join("tmp-proxy") +
         ";\n"
         "  fastcgi_temp_path " +
         dir.Join("tmp-fastcgi") +
         ";\n"
         "  uwsgi_temp_path " +
         dir.Join("tmp-uwsgi") +
         ";\n"
         "  scgi_temp_path " +
         dir.Join("tmp-scgi") + ";\n" + upstream +
         "  server {\n"
         "    listen 127.0.0.1:" +
         std::to_string(port) + " ssl" + (o.http2 ? " http2" : "") +
         ";\n"
         "    ssl_certificate " +
         dir.Join("cert.pem") +
         ";\n"
         "    ssl_certificate_key " +
         dir.Join("key.pem") +
         ";\n"
         "    location / {\n" +
         location +
         "    }\n"
         "  }\n"
         "}\n";
}

}  // namespace

bool NginxTlsServer::Start(const NginxTlsOptions& options, std::string* error) {
  CommandResult cert =
      RunCommand({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                  "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                  "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout",
                  dir_.Join("key.pem"), "-out", dir_.Join("cert.pem")},
                 RunOptions{});
  if (cert.exit_code != 0) {
    *error = "openssl req failed (" + std::to_string(cert.exit_code) + "): " + cert.err;
    return false;
  }
  port_ = FreeLoopbackPort();
  if (!WriteFile(dir_.Join("nginx.conf"), Config(dir_, port_, options))) {
    *error = "cannot write " + dir_.Join("nginx.conf");
    return false;
  }
  SpawnOptions spawn;
  spawn.argv = {"nginx", "-p", dir_.path(), "-c", dir_.Join("nginx.conf")};
  spawn.stderr_path = dir_.Join("stderr.log");
  if (!child_.Start(spawn, error)) return false;
  bool exited = false;
  const pid_t pid = child_.pid();
  if (!WaitUntilAccepting(port_, std::chrono::seconds(20), [&] {
        // Has nginx exited (a bad config)? Asked without reaping it: Kill() reaps.
        siginfo_t info{};
        exited = waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
                 info.si_pid == pid;
        return exited;
      })) {
    child_.Kill();
    *error = "nginx is not serving on port " + std::to_string(port_) +
             (exited ? " (it exited)" : "") + ": " + ReadFile(dir_.Join("stderr.log")) +
             error_log();
    return false;
  }
  return true;
}

int NginxTlsServer::Stop() {
  if (!child_.running()) return child_.exit_code();
  child_.Signal(SIGQUIT);
  return child_.Wait(std::chrono::seconds(20));
}

std::string NginxTlsServer::url(const std::string& path) const {
  return "https://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<NginxLogEntry> NginxTlsServer::AccessLog() const {
  std::vector<NginxLogEntry> entries;
  std::istringstream in(ReadFile(dir_.Join("access.log")));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    NginxLogEntry e;
    if (fields >> e.connection >> e.protocol >> e.status >> e.method >> e.uri) {
      entries.push_back(e);
    }
  }
  return entries;
}

std::vector<NginxLogEntry> NginxTlsServer::WaitForAccessLog(
    size_t n, std::chrono::milliseconds deadline) const {
  return WaitForAccessLog([n](const std::vector<NginxLogEntry>& log) { return log.size() >= n; },
                          deadline);
}

std::vector<NginxLogEntry> NginxTlsServer::WaitForAccessLog(
    const std::function<bool(const std::vector<NginxLogEntry>&)>& done,
    std::chrono::milliseconds deadline) const {
  const auto end = std::chrono::steady_clock::now() + deadline;
  // Watched before the first read, so a write between the read and the wait still wakes us.
  const int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (fd >= 0) inotify_add_watch(fd, dir_.Join("access.log").c_str(), IN_MODIFY);
  std::vector<NginxLogEntry> log = AccessLog();
  while (!done(log)) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    if (left.count() <= 0 || fd < 0) break;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) > 0) {
      char events[4096];
      while (read(fd, events, sizeof(events)) > 0) {
      }
    }
    log = AccessLog();
  }
  if (fd >= 0) close(fd);
  return log;
}

std::string NginxTlsServer::error_log() const { return ReadFile(dir_.Join("error.log")); }

}  // namespace ferry::testing
