// JSON helpers over nlohmann::json that turn the library's exceptions into Status values
// (STYLE.md: exceptions are caught at the boundary).
//
// `what` names the document in every message (a path, a URL, "manifest of pkg x"), so an
// error reads "<what>: invalid JSON at byte 17: syntax error while parsing value - ..." or
// "<what>: \"size\" must be an integer, got string". All failures are kInvalidArgument: the
// input came from a user, a file or the network.
//
// Thread-safety: pure functions.
#ifndef FERRY_BASE_JSON_UTIL_H_
#define FERRY_BASE_JSON_UTIL_H_

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ferry/status.h"

namespace ferry {

// Parses a whole document (trailing garbage is an error). N in the message is the 1-based
// byte offset where the parser gave up.
Result<nlohmann::json> ParseJson(std::string_view text, std::string_view what);

// "null", "boolean", "number", "string", "array", "object", "binary" or "discarded".
std::string JsonTypeName(const nlohmann::json& value);

// obj[key] as a string. kInvalidArgument if obj is not an object, the key is missing or null,
// or the value is not a string.
Result<std::string> GetString(const nlohmann::json& obj, std::string_view key,
                              std::string_view what);

// The same, but a missing or null key yields `fallback`.
Result<std::string> GetOptionalString(const nlohmann::json& obj, std::string_view key,
                                      std::string_view what, std::string fallback = "");

// An integer that fits int64 (floats such as 1.5 and out-of-range values are refused);
// missing or null yields `fallback`.
Result<int64_t> GetOptionalInt64(const nlohmann::json& obj, std::string_view key,
                                 std::string_view what, int64_t fallback = 0);

// true/false only (no 0/1 or "yes"); missing or null yields `fallback`.
Result<bool> GetOptionalBool(const nlohmann::json& obj, std::string_view key,
                             std::string_view what, bool fallback = false);

}  // namespace ferry

#endif  // FERRY_BASE_JSON_UTIL_H_
