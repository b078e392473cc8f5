#include "net/http_status.h"

#include <cctype>
#include <nlohmann/json.hpp>
#include <string>

namespace ferry {
namespace {

constexpr size_t kMaxReasonChars = 200;

bool ContainsCaseInsensitive(std::string_view haystack, std::string_view needle) {
  auto lower = [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  };
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    size_t j = 0;
    while (j < needle.size() && lower(haystack[i + j]) == lower(needle[j])) ++j;
    if (j == needle.size()) return true;
  }
  return false;
}

// A web page or an XML document is written for a browser or a parser, not for a one-line
// message: its tags and scripts would bury the status (a proxy's or a framework's 404 page).
bool IsMarkup(const HttpResponse& response) {
  const std::string type = response.header("content-type");
  if (ContainsCaseInsensitive(type, "html") || ContainsCaseInsensitive(type, "xml")) return true;
  size_t first = response.body.find_first_not_of(" \t\r\n");
  return first != std::string::npos && response.body[first] == '<';
}

// The explanation a JSON error body carries: {"error": "..."} (ferry serve, PROTOCOL.md),
// {"error": {"message": "..."}}, {"message": "..."} or {"detail": "..."}; "" when none.
std::string JsonReason(const std::string& body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::string();
  const nlohmann::json* holder = &j;
  if (j.contains("error") && j["error"].is_object()) holder = &j["error"];
  for (const char* key : {"error", "message", "detail"}) {
    auto it = holder->find(key);
    if (it != holder->end() && it->is_string()) return it->get<std::string>();
  }
  return std::string();
}

}  // namespace

std::string BodyExcerpt(std::string_view body, size_t max_chars) {
  std::string out;
  bool cut = false;
  for (unsigned char c : body) {
    if (out.size() >= max_chars) {
      cut = true;
      break;
    }
    char ch = (c < 0x20 || c == 0x7f) ? ' ' : static_cast<char>(c);
    if (ch == ' ' && (out.empty() || out.back() == ' ')) continue;
    out.push_back(ch);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (cut) out += "...";
  return out;
}

std::string ServerReason(const HttpResponse& response) {
  if (response.body.empty() || IsMarkup(response)) return std::string();
  const std::string said = JsonReason(response.body);
  return BodyExcerpt(said.empty() ? std::string_view(response.body) : std::string_view(said),
                     kMaxReasonChars);
}

Status StatusFromHttpResponse(const HttpResponse& response, const std::string& method,
                              const std::string& url) {
  const int code = response.status;
  if ((code >= 200 && code < 300) || code == 304) return Status::OK();

  std::string msg = method + " " + url + ": ";
  if (code >= 300 && code < 400) {
    const std::string location = response.header("location");
    if (location.empty()) {
      msg += "server answered HTTP " + std::to_string(code) + " (a redirect) without a Location";
    } else {
      msg += "server redirected to " + location;
    }
    return Status::InvalidArgument(msg + "; ferry does not follow redirects: use the final URL");
  }

  msg += "HTTP " + std::to_string(code);
  const std::string reason = ServerReason(response);
  std::string explain;
  std::string what_to_do;
  StatusCode status_code = StatusCode::kInvalidArgument;
  bool retryable = false;
  if (code == 401) {
    status_code = StatusCode::kUnauthorized;
    // The same advice whether a token was sent or not: the server's reason tells which
    // ("missing 'Authorization: Bearer <token>' header" from ferry serve).
    explain = " Unauthorized";
    if (reason.empty()) explain += ": the server refused the token, or none was sent";
    what_to_do = "; pass --token, set FERRY_TOKEN or write the token file ~/.config/ferry/token";
  } else if (code == 403) {
    status_code = StatusCode::kUnauthorized;
    explain = " Forbidden: not granted to this token";
  } else if (code == 404) {
    status_code = StatusCode::kNotFound;
    explain = " Not Found";
  } else if (code == 408 || code == 429) {
    // A 4xx that says "later", not "wrong": object stores and CDNs rate-limit with 429.
    status_code = StatusCode::kUnavailable;
    retryable = true;
  } else if (code >= 400 && code < 500) {
    status_code = StatusCode::kInvalidArgument;
  } else if (code >= 500 && code < 600) {
    status_code = StatusCode::kUnavailable;
    retryable = true;
  } else {
    status_code = StatusCode::kInvalidArgument;
    explain = " is not a status a server should answer with";
  }
  msg += explain;
  if (!reason.empty()) msg += ": " + reason;
  msg += what_to_do;
  return Status(status_code, std::move(msg), retryable);
}

}  // namespace ferry
