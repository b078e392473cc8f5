// Hex digests of strings, for tests that write a checksum list or a manifest's md5 and compare
// what ferry computed. Built on base/hasher.h, the code under test's own primitive: the tests
// that pin Hasher itself compare with known vectors (base/hasher_test.cc) and with GNU
// sha256sum / md5sum (tests/cli/hash_test.cc).
//
// Thread-safety: reentrant.
#ifndef FERRY_TESTS_SUPPORT_DIGESTS_H_
#define FERRY_TESTS_SUPPORT_DIGESTS_H_

#include <string>
#include <string_view>

#include "base/hasher.h"

namespace ferry::testing {

// The lowercase hex digest of `bytes`.
std::string HashHex(HashAlgorithm algo, std::string_view bytes);
std::string Md5Hex(std::string_view bytes);
std::string Sha256Hex(std::string_view bytes);

}  // namespace ferry::testing

#endif  // FERRY_TESTS_SUPPORT_DIGESTS_H_
