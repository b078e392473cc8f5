// Fuzzes ResolveUrl and UrlEncodeQueryValue (src/net/url.h): a manifest's parquet_url and
// bundle_url come from the server and are resolved against the manifest's URL.
//
// An input "<base>\n<ref>" resolves ref against base; without a newline the whole input is
// the ref, against a manifest URL. Beyond "no crash": a resolved URL is always http(s), since
// ferry must never be made to read a file: or other URL.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "net/url.h"

namespace {

bool IsUnreservedOrEscape(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~' || c == '%';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input = ferry::fuzz::AsText(data, size);
  std::string base = "http://127.0.0.1:8765/api/sync/manifest";
  std::string ref(input);
  if (size_t nl = input.find('\n'); nl != std::string_view::npos) {
    base = std::string(input.substr(0, nl));
    ref = std::string(input.substr(nl + 1));
  }
  ferry::Result<std::string> url = ferry::ResolveUrl(base, ref);
  if (url.ok()) FUZZ_CHECK(ferry::fuzz::IsHttpUrl(*url), base + " + " + ref + " -> " + *url);

  const std::string encoded = ferry::UrlEncodeQueryValue(input);
  for (char c : encoded) FUZZ_CHECK(IsUnreservedOrEscape(c), encoded);
  return 0;
}
