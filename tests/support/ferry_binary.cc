#include "support/ferry_binary.h"

#include <cstdlib>

namespace ferry::testing {

std::string FerryBinary() {
  const char* path = std::getenv("FERRY_BINARY");
  return path != nullptr && *path != '\0' ? path : "ferry";
}

bool FerryBinaryIsSet() {
  const char* path = std::getenv("FERRY_BINARY");
  return path != nullptr && *path != '\0';
}

}  // namespace ferry::testing
