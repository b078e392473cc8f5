// FerryBinary: the `ferry` binary under test. ctest passes its path in FERRY_BINARY (see
// CMakeLists.txt); run by hand, a test falls back to "ferry" on PATH.
//
// Thread-safety: reads the environment only.
#ifndef FERRY_TESTS_SUPPORT_FERRY_BINARY_H_
#define FERRY_TESTS_SUPPORT_FERRY_BINARY_H_

#include <string>

namespace ferry::testing {

// $FERRY_BINARY, else "ferry".
std::string FerryBinary();

// True when FERRY_BINARY is set (integration tests assert it, so a run outside ctest
// does not silently test whatever `ferry` is on PATH).
bool FerryBinaryIsSet();

}  // namespace ferry::testing

#endif  // FERRY_TESTS_SUPPORT_FERRY_BINARY_H_
