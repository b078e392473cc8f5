#include "serve/auth.h"

#include <openssl/crypto.h>

#include <cctype>

#include "base/hasher.h"

namespace ferry::serve {

std::string BearerToken(const std::string& authorization) {
  constexpr size_t kSchemeLen = 7;  // "Bearer "
  if (authorization.size() <= kSchemeLen) return std::string();
  std::string scheme = authorization.substr(0, kSchemeLen);
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "bearer ") return std::string();
  std::string token = authorization.substr(kSchemeLen);
  size_t first = token.find_first_not_of(' ');
  size_t last = token.find_last_not_of(" \t\r");
  if (first == std::string::npos) return std::string();
  return token.substr(first, last - first + 1);
}

const CatalogUser* Authenticate(const Catalog& catalog, const std::string& token) {
  if (token.empty()) return nullptr;
  Hasher sha(HashAlgorithm::kSha256);
  sha.Update(token);
  const std::string presented = sha.FinishHex();
  const CatalogUser* found = nullptr;
  for (const CatalogUser& user : catalog.users) {
    // Both are 64 lowercase hex digits (the catalog loader guarantees it for stored ones).
    if (user.token_sha256.size() == presented.size() &&
        CRYPTO_memcmp(user.token_sha256.data(), presented.data(), presented.size()) == 0) {
      found = &user;
    }
  }
  return found;
}

}  // namespace ferry::serve
