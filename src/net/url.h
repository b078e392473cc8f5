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
// Thread-safety: pure functions.
#ifndef FERRY_NET_URL_H_
#define FERRY_NET_URL_H_

#include <string>
#include <string_view>

#include "ferry/status.h"

namespace ferry {

Result<std::string> ResolveUrl(const std::string& base, const std::string& ref);

// Percent-encodes everything but RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~), so the
// result is safe as a query value or a path segment. "a b/c" -> "a%20b%2Fc".
std::string UrlEncodeQueryValue(std::string_view value);

}  // namespace ferry

#endif  // FERRY_NET_URL_H_
