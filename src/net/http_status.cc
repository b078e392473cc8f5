#include "net/http_status.h"

#include <string>

namespace ferry {

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
  std::string explain;
  StatusCode status_code = StatusCode::kInvalidArgument;
  bool retryable = false;
  if (code == 401) {
    status_code = StatusCode::kUnauthorized;
    explain = " Unauthorized: the server refused the token; check --token / FERRY_TOKEN";
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
  const std::string excerpt = BodyExcerpt(response.body);
  if (!excerpt.empty()) msg += ": " + excerpt;
  return Status(status_code, std::move(msg), retryable);
}

}  // namespace ferry
