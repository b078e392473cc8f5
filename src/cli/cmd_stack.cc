// `ferry stack list|add|remove [TYPE ID] --server URL [--token T] [--cacert FILE]`: a user's
// view of and changes to their stack on a `ferry serve` catalog server (GET /api/catalog, PUT
// and DELETE /api/stack/<type>/<id>). TYPE is packages, memory_domains or direct_tables
// (singular forms too). --cacert / $FERRY_CA_BUNDLE as for pull (src/cli/ca_bundle.h).
//
// Token: found as `ferry pull` finds it, with the current directory as the workspace:
// --token, $FERRY_TOKEN, ./.ferry/token, ~/.config/ferry/token (src/pull/token.h). With none,
// the request goes without one, as pull's does, and the server's 401 is the answer (exit 3).
//
// Exit codes: 0 done; 2 bad usage, or an item the server does not let you add or remove (it
// answers 403 alike for an unknown item and one not granted to you, so as not to tell which
// exist); 3 server unreachable, not a catalog server (404) or token refused (401); 5 refused: a
// required item cannot be removed (409).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/ca_bundle.h"
#include "cli/command.h"
#include "cli/exit_codes.h"
#include "ferry/env.h"
#include "ferry/http_client.h"
#include "net/http_status.h"
#include "net/url.h"
#include "pull/token.h"
#include "serve/catalog.h"

namespace ferry::cli {
namespace {

constexpr uint64_t kMaxCatalogBody = 32 << 20;

const char* GetEnvOrEmpty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string CurrentDir() {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::current_path(ec);
  return ec ? std::string() : p.string();
}

// What an answer from the catalog server means. A 404 says --server is not one (ferry serve
// knows every route this command uses), as for `ferry pull`: exit 3.
Status CatalogStatus(const HttpResponse& response, const std::string& method,
                     const std::string& url) {
  Status s = StatusFromHttpResponse(response, method, url);
  if (response.status == 404) {
    return Status::Unavailable(s.message() + " (is --server the catalog server?)", false);
  }
  return s;
}

// What an answer to PUT/DELETE /api/stack/<kind>/<id> means. A 403 names an item this user
// cannot change: that is a request to fix, not a credential problem.
Status StackChangeStatus(const HttpResponse& response, const std::string& method,
                         const std::string& url) {
  const int code = response.status;
  if (code >= 200 && code < 300) return Status::OK();
  const std::string said = ServerReason(response);
  if (code == 409) {
    return Status::Refused(said.empty() ? method + " " + url + ": HTTP 409 Conflict" : said);
  }
  if (code == 403) {
    return Status::InvalidArgument(
        (said.empty() ? method + " " + url + ": HTTP 403 Forbidden" : said) +
        " (no such item, or not granted to you); 'ferry stack list' shows what you may add or "
        "remove");
  }
  return CatalogStatus(response, method, url);
}

class StackCommand : public Command {
 public:
  void Configure(CLI::App* app) override {
    app->add_option("ACTION", action_, "list, add or remove")
        ->required()
        ->check(CLI::IsMember({"list", "add", "remove"}));
    app->add_option("TYPE", type_, "packages, memory_domains or direct_tables (add/remove)");
    app->add_option("ID", id_, "The package or memory domain slug, or the table id");
    app->add_option("--server", server_, "The catalog server's URL, e.g. http://127.0.0.1:8765")
        ->required();
    app->add_option("--token", token_,
                    "Bearer token (default: $FERRY_TOKEN, ./.ferry/token, "
                    "~/.config/ferry/token)");
    app->add_option("--cacert", cacert_,
                    "PEM file of CA certificates to verify an https:// server against, instead "
                    "of the system's (default: $FERRY_CA_BUNDLE)");
    app->footer(
        "Token: --token, else $FERRY_TOKEN, else ./.ferry/token, else "
        "~/.config/ferry/token (as for ferry pull); with none the request goes without "
        "one and the server answers.\n"
        "Exit codes: 0 done; 2 bad usage, or an item that does not exist or is not "
        "granted to you (the server does not tell them apart); 3 server unreachable, not "
        "a catalog server, or token refused or missing; 5 a required item cannot be "
        "removed.\n");
  }

  int Run(const GlobalOptions& global) override {
    // The same sources and the same rule as pull: no token is not an error here; a server
    // that wants one answers 401, which names what to do.
    Result<std::string> token = pull::ResolveToken(
        Env::Default(),
        {token_, GetEnvOrEmpty("FERRY_TOKEN"), CurrentDir(), GetEnvOrEmpty("HOME")});
    if (!token.ok()) return ReportFailure(global, token.status());
    token_ = *token;
    while (!server_.empty() && server_.back() == '/') server_.pop_back();
    Result<std::string> ca_bundle = ResolveCaBundle(Env::Default(), cacert_);
    if (!ca_bundle.ok()) return ReportFailure(global, ca_bundle.status(), kExitUsage);
    client_ = NewCurlHttpClient(HttpClientOptions{"ferry-stack", *ca_bundle});
    if (action_ == "list") return List(global);
    serve::StackKind kind;
    if (type_.empty() || id_.empty()) {
      return ReportFailure(
          global, Status::InvalidArgument("ferry stack " + action_ +
                                          " needs TYPE and ID, e.g. 'ferry stack " + action_ +
                                          " packages sales'"));
    }
    if (!serve::ParseStackKind(type_, &kind)) {
      return ReportFailure(
          global, Status::InvalidArgument("unknown TYPE '" + type_ +
                                          "'; use packages, memory_domains or direct_tables"));
    }
    const bool add = action_ == "add";
    HttpRequest req =
        Request(add ? "PUT" : "DELETE", std::string("/api/stack/") + serve::StackKindName(kind) +
                                            "/" + UrlEncodeQueryValue(id_));
    Result<HttpResponse> res = SendAndCollect(client_.get(), req, kMaxCatalogBody);
    if (!res.ok()) return ReportFailure(global, res.status());
    Status s = StackChangeStatus(*res, req.method, req.url);
    if (!s.ok()) return ReportFailure(global, s);
    if (global.json) {
      nlohmann::json out = {{"action", action_},
                            {"kind", serve::StackKindName(kind)},
                            {"id", id_},
                            {"in_stack", add}};
      std::printf("%s\n", out.dump().c_str());
    } else if (global.verbosity >= 0) {
      std::printf("%s %s '%s' %s your stack\n", add ? "added" : "removed",
                  serve::StackKindName(kind), id_.c_str(), add ? "to" : "from");
    }
    return kExitOk;
  }

 private:
  HttpRequest Request(const std::string& method, const std::string& path) const {
    HttpRequest req;
    req.method = method;
    req.url = server_ + path;
    if (!token_.empty()) req.headers.push_back({"Authorization", "Bearer " + token_});
    return req;
  }

  int List(const GlobalOptions& global) {
    HttpRequest req = Request("GET", "/api/catalog");
    Result<HttpResponse> res = SendAndCollect(client_.get(), req, kMaxCatalogBody);
    if (!res.ok()) return ReportFailure(global, res.status());
    Status s = CatalogStatus(*res, req.method, req.url);
    if (!s.ok()) return ReportFailure(global, s);
    nlohmann::json body = nlohmann::json::parse(res->body, nullptr, false);
    if (!body.is_object()) {
      return ReportFailure(global, Status::Corruption("GET " + req.url + ": the body is not JSON"));
    }
    if (global.json) {
      std::printf("%s\n", body.dump(2).c_str());
      return kExitOk;
    }
    std::printf("Stack of %s on %s ('*' = in your stack):\n",
                body.value("user", std::string("?")).c_str(), server_.c_str());
    struct Section {
      const char* key;
      const char* id_key;
    };
    for (Section sec : {Section{"packages", "slug"}, Section{"memory_domains", "slug"},
                        Section{"direct_tables", "id"}}) {
      std::printf("%s:\n", sec.key);
      const nlohmann::json& items = body.contains(sec.key) ? body[sec.key] : nlohmann::json();
      if (!items.is_array() || items.empty()) {
        std::printf("  (none available)\n");
        continue;
      }
      for (const nlohmann::json& item : items) {
        if (!item.is_object()) continue;
        const bool in = item.value("in_stack", false);
        const std::string id = item.value(sec.id_key, std::string());
        const std::string name = item.value("name", std::string());
        const std::string req_text = item.value("requirement", std::string());
        std::printf("  %c %-24s %s%s\n", in ? '*' : ' ', id.c_str(), name.c_str(),
                    req_text == "required" ? "  (required)" : "");
      }
    }
    return kExitOk;
  }

  std::string action_;
  std::string type_;
  std::string id_;
  std::string server_;
  std::string token_;
  std::string cacert_;  // "" = $FERRY_CA_BUNDLE, else the system's CA store
  std::unique_ptr<HttpClient> client_;
};

}  // namespace

std::unique_ptr<Command> NewStackCommand() { return std::make_unique<StackCommand>(); }

}  // namespace ferry::cli
