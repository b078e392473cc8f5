// Fuzzes the path predicates that guard names from the network and from catalogs
// (src/base/path.h): a part path arrives as ?part=<path> at `ferry serve` and as
// parts[].path in a manifest; both are accepted only when IsSafeRelativePath, and then
// joined onto a local directory. Beyond "no crash": a path the predicates accept can never
// climb out of the directory it is joined onto.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/path.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view path = ferry::fuzz::AsText(data, size);
  const std::string dir = "/srv/catalog/events";
  const bool safe = ferry::IsSafeRelativePath(path);
  if (ferry::IsSafePathSegment(path)) FUZZ_CHECK(safe, std::string(path));
  if (safe) {
    FUZZ_CHECK(path.front() != '/' && path.back() != '/', std::string(path));
    size_t begin = 0;
    while (begin <= path.size()) {
      size_t slash = path.find('/', begin);
      if (slash == std::string_view::npos) slash = path.size();
      const std::string_view segment = path.substr(begin, slash - begin);
      FUZZ_CHECK(segment != "" && segment != "." && segment != "..", std::string(path));
      begin = slash + 1;
    }
    const std::string joined = ferry::JoinPath(dir, path);
    FUZZ_CHECK(joined == dir + "/" + std::string(path), joined);
    // dirname/basename split a safe path back into its parts.
    if (path.find('/') != std::string_view::npos) {
      FUZZ_CHECK(ferry::JoinPath(ferry::DirName(path), ferry::BaseName(path)) == path,
                 std::string(path));
    } else {
      FUZZ_CHECK(ferry::BaseName(path) == path, std::string(path));
    }
  }
  // The helpers take any bytes.
  ferry::DirName(path);
  ferry::BaseName(path);
  ferry::JoinPath(path, path);
  return 0;
}
