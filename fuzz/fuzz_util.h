// Helpers shared by the fuzz targets in fuzz/ (one per parser that reads outside input).
//
// FUZZ_CHECK asserts an invariant on what a parser returned: a violated one aborts with the
// condition and a message, so libFuzzer saves the input like any crash. Only invariants the
// parser's header promises belong there (a satisfiable range lies inside the file, a resolved
// URL is http(s)); the sanitizers catch the rest.
#ifndef FERRY_FUZZ_FUZZ_UTIL_H_
#define FERRY_FUZZ_FUZZ_UTIL_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#define FUZZ_CHECK(cond, msg)                                                               \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed: %s\n", __FILE__, __LINE__, #cond, \
                   std::string(msg).c_str());                                               \
      std::abort();                                                                         \
    }                                                                                       \
  } while (0)

namespace ferry::fuzz {

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

// "http://" or "https://" at the start, scheme compared case-insensitively (RFC 3986).
inline bool IsHttpUrl(std::string_view url) {
  auto starts = [&](std::string_view prefix) {
    if (url.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i) {
      char c = url[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != prefix[i]) return false;
    }
    return true;
  };
  return starts("http://") || starts("https://");
}

}  // namespace ferry::fuzz

#endif  // FERRY_FUZZ_FUZZ_UTIL_H_
