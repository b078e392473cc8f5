// URL helpers for the few URL operations ferry needs: resolving a reference from the network
// (a manifest's parquet_url, a domain's bundle_url) against the server URL, and encoding a
// query value (?domain=<slug>, ?part=<path>).
//
// ResolveUrl follows RFC 3986 section 5.2 for the cases that occur:
//   "https://cdn/x"  -> itself (absolute http/https)
//   "//cdn/x"        -> base's scheme + it
//   "/api/x"         -> scheme://authority of base + it
//   "?q=1"           -> base without its query/fragment + it
//   "x/y", "../y"    -> relative to the directory of base's path, dot segments removed
//   ""               -> base without its fragment
// Any other scheme (file:, ftp:, javascript:) is rejected: a server must not make ferry read
// local files. Errors are kInvalidArgument naming both strings.
//
// UrlOrigin gives the origin of an absolute http(s) URL (RFC 6454): "scheme://host:port",
// scheme and host lowercased, userinfo dropped, the port always written (80 for http and 443
// for https when absent), so "HTTP://Cat:80/x" and "http://cat/y" have the same origin. The
// bearer token is sent to one origin only (net/bearer_token.h).
//
// Thread-safety: pure functions.
#ifndef FERRY_NET_URL_H_
#define FERRY_NET_URL_H_

#include <string>
#include <string_view>

#include "ferry/status.h"

namespace ferry {

Result<std::string> ResolveUrl(const std::string& base, const std::string& ref);

// "scheme://host:port" as above; kInvalidArgument naming `url` when it is not an absolute
// http(s) URL with a host and a numeric port.
Result<std::string> UrlOrigin(const std::string& url);

// Percent-encodes everything but RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~), so the
// result is safe as a query value or a path segment. "a b/c" -> "a%20b%2Fc".
std::string UrlEncodeQueryValue(std::string_view value);

}  // namespace ferry

#endif  // FERRY_NET_URL_H_
