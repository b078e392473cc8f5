// ISO-8601 UTC timestamps ("2026-01-01T00:00:00Z"), the form the seed product writes in its
// queue columns and creation.json, converted to and from Unix seconds.
//
// Thread-safety: pure functions.
#ifndef FERRY_PUSH_ISO_TIME_H_
#define FERRY_PUSH_ISO_TIME_H_

#include <cstdint>
#include <string>

namespace ferry::push {

// "2026-01-01T00:00:00Z" for a Unix time; "" for 0 (unset).
std::string FormatIsoUtc(int64_t unix_seconds);

// The inverse; 0 for "" and for text that is not exactly such a time.
int64_t ParseIsoUtc(const std::string& text);

}  // namespace ferry::push

#endif  // FERRY_PUSH_ISO_TIME_H_
