// Auth: who sent a request. Every request carries "Authorization: Bearer <token>"; the
// catalog stores only sha256(token) per user. The presented token is hashed and compared in
// constant time (CRYPTO_memcmp) against EVERY user's hash, without stopping at a match, so
// neither timing nor order reveals which users exist or how much of a hash matched.
//
// Thread-safety: pure functions.
#ifndef FERRY_SERVE_AUTH_H_
#define FERRY_SERVE_AUTH_H_

#include <string>

#include "serve/catalog.h"

namespace ferry::serve {

// The token of an "Authorization" header value ("Bearer <token>", scheme case-insensitive),
// or "" when the header is missing, of another scheme, or empty.
std::string BearerToken(const std::string& authorization);

// The user whose token_sha256 is sha256(token), or nullptr (also for an empty token).
const CatalogUser* Authenticate(const Catalog& catalog, const std::string& token);

}  // namespace ferry::serve

#endif  // FERRY_SERVE_AUTH_H_
