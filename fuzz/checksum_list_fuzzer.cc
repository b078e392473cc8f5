// Fuzzes ParseChecksumList / ParseChecksumLine (src/base/checksum_list.h): the sha256sum /
// md5sum lists `ferry hash -c` reads, from anywhere.
//
// Beyond "no crash": every entry read back from the line FormatChecksumLine writes for it is
// the same entry (the escaping round-trips), as `ferry hash` output must stay checkable.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/checksum_list.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view content = ferry::fuzz::AsText(data, size);
  ferry::ParsedChecksumList list = ferry::ParseChecksumList(content);
  for (const ferry::ChecksumListEntry& e : list.entries) {
    FUZZ_CHECK(e.line.hex.size() == 32 || e.line.hex.size() == 64, e.line.hex);
    FUZZ_CHECK(!e.line.path.empty(), "empty path");
    std::string line = ferry::FormatChecksumLine(e.line.hex, e.line.path);
    FUZZ_CHECK(!line.empty() && line.back() == '\n', line);
    line.pop_back();
    FUZZ_CHECK(line.find('\n') == std::string::npos, line);
    ferry::Result<std::optional<ferry::ChecksumLine>> again = ferry::ParseChecksumLine(line);
    FUZZ_CHECK(again.ok() && again->has_value(), line);
    FUZZ_CHECK((*again)->hex == e.line.hex, line);
    FUZZ_CHECK((*again)->path == e.line.path, line);
  }
  // Escaping round-trips; the other way only for text that escaping could have produced (a
  // raw '\n' or '\r' is passed through by Unescape and escaped by Escape).
  std::optional<std::string> name = ferry::UnescapeChecksumName(content);
  if (name && content.find_first_of("\n\r") == std::string_view::npos) {
    FUZZ_CHECK(ferry::EscapeChecksumName(*name) == content, std::string(content));
  }
  FUZZ_CHECK(ferry::UnescapeChecksumName(ferry::EscapeChecksumName(content)) == content,
             std::string(content));
  return 0;
}
