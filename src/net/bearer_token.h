// BearerToken: the catalog's token together with the one origin it may be sent to
// (docs/PROTOCOL.md "Authentication").
//
// The token belongs to the catalog server named by --server. A manifest may point a table or a
// bundle at another origin (an object store, a CDN, a pre-signed URL that carries its own
// credentials); sending the catalog's token there would hand it to a third party. So the
// Authorization header is produced per request URL, and only for a URL whose origin (scheme,
// host, port; default ports made explicit, see net/url.h UrlOrigin) is the server's. A URL
// that has no origin (not http(s), malformed) gets no header either.
//
// Redirects cannot carry the token elsewhere because the HTTP client never follows them
// (include/ferry/http_client.h); should that ever change, the follow-up request must ask
// HeadersFor again for its own URL.
//
// Thread-safety: immutable after construction; HeadersFor may be called from any thread.
#ifndef FERRY_NET_BEARER_TOKEN_H_
#define FERRY_NET_BEARER_TOKEN_H_

#include <string>
#include <utility>
#include <vector>

#include "ferry/status.h"

namespace ferry {

class BearerToken {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;

  BearerToken() = default;  // no token: no request gets an Authorization header

  // `token` ("" = none) for the origin of `server_url`; kInvalidArgument when a token is given
  // and `server_url` is not an absolute http(s) URL.
  static Result<BearerToken> ForServer(std::string token, const std::string& server_url);

  // {"Authorization", "Bearer <token>"} when there is a token and `url` is on its origin;
  // nothing otherwise.
  Headers HeadersFor(const std::string& url) const;

  bool empty() const { return token_.empty(); }
  const std::string& origin() const { return origin_; }

 private:
  std::string token_;
  std::string origin_;  // "scheme://host:port" of the server
};

}  // namespace ferry

#endif  // FERRY_NET_BEARER_TOKEN_H_
