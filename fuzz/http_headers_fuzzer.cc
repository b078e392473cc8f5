// Fuzzes the request headers `ferry serve` interprets itself (src/serve/download_handler.h,
// src/serve/auth.h): Range, If-None-Match and Authorization. Each input is one header value,
// tried as all three (against a few file sizes for Range), since any client can send any bytes.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include "fuzz/fuzz_util.h"
#include "serve/auth.h"
#include "serve/download_handler.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string value(ferry::fuzz::AsText(data, size));
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  for (uint64_t file_size : {uint64_t{0}, uint64_t{1}, uint64_t{10}, uint64_t{1} << 40, kMax}) {
    ferry::serve::ByteRange range;
    ferry::serve::RangeOutcome outcome = ferry::serve::ParseRangeHeader(value, file_size, &range);
    if (outcome == ferry::serve::RangeOutcome::kSatisfiable) {
      // What the handler sends: bytes first..last, all inside the file.
      FUZZ_CHECK(range.first <= range.last && range.last < file_size,
                 value + " -> " + std::to_string(range.first) + "-" + std::to_string(range.last) +
                     " of " + std::to_string(file_size));
    }
    if (value.empty()) FUZZ_CHECK(outcome == ferry::serve::RangeOutcome::kNone, value);
  }
  ferry::serve::IfNoneMatchMatches(value, "d41d8cd98f00b204e9800998ecf8427e");
  ferry::serve::IfNoneMatchMatches(value, "");
  const std::string token = ferry::serve::BearerToken(value);
  // The token is what follows "Bearer ", never more.
  FUZZ_CHECK(token.empty() || token.size() + 7 <= value.size(), value);
  return 0;
}
