// `ferry stack list|add|remove [TYPE ID] --server URL [--token T]`: a user's view of and changes
// to their stack on a `ferry serve` catalog server (GET /api/catalog, PUT and DELETE
// /api/stack/<type>/<id>). TYPE is packages, memory_domains or direct_tables (singular forms
// too). Token: --token, else $FERRY_TOKEN.
// Exit codes: 0 done; 2 bad usage or unknown item; 3 server unreachable, token refused (401)
// or item not granted (403); 5 refused: a required item cannot be removed (409).
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.h"
#include "cli/exit_codes.h"
#include "ferry/http_client.h"
#include "net/http_status.h"
#include "net/url.h"
#include "serve/catalog.h"

namespace ferry::cli {
namespace {

constexpr uint64_t kMaxCatalogBody = 32 << 20;

std::string GetEnvOrEmpty(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

// The server's own explanation ({"error": "..."}), or "" when the body has none.
std::string ServerMessage(const HttpResponse& response) {
  nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].is_string()) {
    return body["error"].get<std::string>();
  }
  return std::string();
}

Status StatusOf(const HttpResponse& response, const std::string& method,
                const std::string& url) {
  if (response.status >= 200 && response.status < 300) return Status::OK();
  const std::string said = ServerMessage(response);
  if (response.status == 409) {
    return Status::Refused(said.empty() ? method + " " + url + ": HTTP 409" : said);
  }
  if (response.status == 401) {
    return Status::Unauthorized(method + " " + url + ": HTTP 401: " +
                                (said.empty() ? "token refused" : said) +
                                "; check --token or FERRY_TOKEN");
  }
  if (response.status == 403) {
    return Status::Unauthorized(method + " " + url + ": HTTP 403: " +
                                (said.empty() ? "not granted" : said));
  }
  return StatusFromHttpResponse(response, method, url);
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
    app->add_option("--token", token_, "Bearer token (default: $FERRY_TOKEN)");
    app->footer("Exit codes: 0 done; 2 bad usage or unknown item; 3 server unreachable, token "
                "refused or item not granted; 5 a required item cannot be removed.");
  }

  int Run(const GlobalOptions& global) override {
    if (token_.empty()) token_ = GetEnvOrEmpty("FERRY_TOKEN");
    if (token_.empty()) {
      return ReportFailure(global, 
          Status::InvalidArgument("no token: pass --token or set FERRY_TOKEN"));
    }
    while (!server_.empty() && server_.back() == '/') server_.pop_back();
    client_ = NewCurlHttpClient("ferry-stack");
    if (action_ == "list") return List(global);
    serve::StackKind kind;
    if (type_.empty() || id_.empty()) {
      return ReportFailure(global, Status::InvalidArgument(
          "ferry stack " + action_ + " needs TYPE and ID, e.g. 'ferry stack " + action_ +
          " packages sales'"));
    }
    if (!serve::ParseStackKind(type_, &kind)) {
      return ReportFailure(global, Status::InvalidArgument(
          "unknown TYPE '" + type_ + "'; use packages, memory_domains or direct_tables"));
    }
    const bool add = action_ == "add";
    HttpRequest req = Request(add ? "PUT" : "DELETE",
                              std::string("/api/stack/") + serve::StackKindName(kind) + "/" +
                                  UrlEncodeQueryValue(id_));
    Result<HttpResponse> res = SendAndCollect(client_.get(), req, kMaxCatalogBody);
    if (!res.ok()) return ReportFailure(global, res.status());
    Status s = StatusOf(*res, req.method, req.url);
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
    req.headers.push_back({"Authorization", "Bearer " + token_});
    return req;
  }

  int List(const GlobalOptions& global) {
    HttpRequest req = Request("GET", "/api/catalog");
    Result<HttpResponse> res = SendAndCollect(client_.get(), req, kMaxCatalogBody);
    if (!res.ok()) return ReportFailure(global, res.status());
    Status s = StatusOf(*res, req.method, req.url);
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
  std::unique_ptr<HttpClient> client_;
};

}  // namespace

std::unique_ptr<Command> NewStackCommand() { return std::make_unique<StackCommand>(); }

}  // namespace ferry::cli
