#include "support/digests.h"

namespace ferry::testing {

std::string HashHex(HashAlgorithm algo, std::string_view bytes) {
  Hasher hasher(algo);
  hasher.Update(bytes);
  return hasher.FinishHex();
}

std::string Md5Hex(std::string_view bytes) { return HashHex(HashAlgorithm::kMd5, bytes); }

std::string Sha256Hex(std::string_view bytes) { return HashHex(HashAlgorithm::kSha256, bytes); }

}  // namespace ferry::testing
