#include "base/json_util.h"

#include <limits>

namespace ferry {
namespace {

std::string Prefix(std::string_view what) {
  std::string s(what);
  s += ": ";
  return s;
}

std::string Quoted(std::string_view key) {
  std::string s = "\"";
  s.append(key).append("\"");
  return s;
}

// The member `key` of obj, null when missing; an error when obj is not an object.
Result<const nlohmann::json*> Member(const nlohmann::json& obj, std::string_view key,
                                     std::string_view what) {
  static const nlohmann::json kNull;
  if (!obj.is_object()) {
    return Status::InvalidArgument(Prefix(what) + "expected an object, got " +
                                   JsonTypeName(obj));
  }
  auto it = obj.find(key);
  if (it == obj.end()) return &kNull;
  return &*it;
}

Status WrongType(std::string_view what, std::string_view key, std::string_view expected,
                 const nlohmann::json& value) {
  return Status::InvalidArgument(Prefix(what) + Quoted(key) + " must be " +
                                 std::string(expected) + ", got " + JsonTypeName(value));
}

// nlohmann's what() is "[json.exception.parse_error.101] parse error at line 1, column 6:
// syntax error ..."; the byte offset is reported separately, so keep only the explanation.
std::string ParseErrorDetail(const std::string& what) {
  size_t bracket = what.find("] ");
  size_t colon = what.find(": ", bracket == std::string::npos ? 0 : bracket);
  if (colon == std::string::npos) return what;
  return what.substr(colon + 2);
}

}  // namespace

Result<nlohmann::json> ParseJson(std::string_view text, std::string_view what) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Status::InvalidArgument(Prefix(what) + "invalid JSON: the document is empty");
  }
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    return Status::InvalidArgument(Prefix(what) + "invalid JSON at byte " +
                                   std::to_string(e.byte) + ": " + ParseErrorDetail(e.what()));
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(Prefix(what) + "invalid JSON: " + e.what());
  }
}

std::string JsonTypeName(const nlohmann::json& value) { return value.type_name(); }

Result<std::string> GetString(const nlohmann::json& obj, std::string_view key,
                              std::string_view what) {
  FERRY_ASSIGN_OR_RETURN(const nlohmann::json* v, Member(obj, key, what));
  if (v->is_null()) return Status::InvalidArgument(Prefix(what) + "missing " + Quoted(key));
  if (!v->is_string()) return WrongType(what, key, "a string", *v);
  return v->get<std::string>();
}

Result<std::string> GetOptionalString(const nlohmann::json& obj, std::string_view key,
                                      std::string_view what, std::string fallback) {
  FERRY_ASSIGN_OR_RETURN(const nlohmann::json* v, Member(obj, key, what));
  if (v->is_null()) return fallback;
  if (!v->is_string()) return WrongType(what, key, "a string", *v);
  return v->get<std::string>();
}

Result<int64_t> GetOptionalInt64(const nlohmann::json& obj, std::string_view key,
                                 std::string_view what, int64_t fallback) {
  FERRY_ASSIGN_OR_RETURN(const nlohmann::json* v, Member(obj, key, what));
  if (v->is_null()) return fallback;
  if (v->is_number_unsigned()) {
    uint64_t u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Status::InvalidArgument(Prefix(what) + Quoted(key) + " is out of range: " +
                                     v->dump());
    }
    return static_cast<int64_t>(u);
  }
  if (v->is_number_integer()) return v->get<int64_t>();
  return WrongType(what, key, "an integer", *v);
}

Result<bool> GetOptionalBool(const nlohmann::json& obj, std::string_view key,
                             std::string_view what, bool fallback) {
  FERRY_ASSIGN_OR_RETURN(const nlohmann::json* v, Member(obj, key, what));
  if (v->is_null()) return fallback;
  if (!v->is_boolean()) return WrongType(what, key, "true or false", *v);
  return v->get<bool>();
}

}  // namespace ferry
