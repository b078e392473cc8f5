#include "net/bearer_token.h"

#include "net/url.h"

namespace ferry {

Result<BearerToken> BearerToken::ForServer(std::string token, const std::string& server_url) {
  BearerToken t;
  if (token.empty()) return t;
  Result<std::string> origin = UrlOrigin(server_url);
  if (!origin.ok()) return origin.status().WithContext("--server");
  t.token_ = std::move(token);
  t.origin_ = std::move(origin).value();
  return t;
}

BearerToken::Headers BearerToken::HeadersFor(const std::string& url) const {
  if (token_.empty()) return {};
  Result<std::string> origin = UrlOrigin(url);
  // Another origin, or no origin at all: the request goes out without the token.
  if (!origin.ok() || *origin != origin_) return {};
  return {{"Authorization", "Bearer " + token_}};
}

}  // namespace ferry
