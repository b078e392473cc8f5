// PrettyJsonWriter: appends JSON text to a string, formatted exactly as nlohmann::json's
// dump(2) formats it (two-space indent, "key": value, "{}" for an empty object, control
// characters escaped as \uXXXX in lower case, UTF-8 passed through).
//
// Why not nlohmann: building a json tree only to print it costs a map node and an allocation
// per value; for sync_state.json (6,000 references, 2 MB) that was a sixth of a no-op pull.
// Writing straight from the structs is ten times cheaper and produces the same bytes.
//
// Strings must be valid UTF-8; the writer records when one is not (valid_utf8() turns false)
// and the caller decides (SaveSyncState falls back to nlohmann, which substitutes U+FFFD).
//
// Thread-safety: a plain value; one writer per thread.
#ifndef FERRY_BASE_JSON_WRITER_H_
#define FERRY_BASE_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ferry {

class PrettyJsonWriter {
 public:
  explicit PrettyJsonWriter(std::string* out) : out_(out) {}

  void BeginObject();
  void EndObject();
  // The name of the next member of the current object; a value call must follow.
  void Key(std::string_view key);

  void String(std::string_view value);
  void Uint(uint64_t value);
  void Int(int64_t value);
  void Bool(bool value);
  // Key() and a value in one call, for the flat records most files hold.
  void StringMember(std::string_view key, std::string_view value);
  void UintMember(std::string_view key, uint64_t value);
  void IntMember(std::string_view key, int64_t value);
  void BoolMember(std::string_view key, bool value);
  // A value already serialised as dump(2) text at depth 0; re-indented to the current depth.
  void RawPretty(std::string_view json_text);

  bool valid_utf8() const { return valid_utf8_; }

 private:
  void Newline();
  void Quoted(std::string_view text);

  std::string* out_;
  std::vector<int> members_;  // members written so far, per open object
  bool valid_utf8_ = true;
};

// Whether `text` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool IsValidUtf8(std::string_view text);

}  // namespace ferry

#endif  // FERRY_BASE_JSON_WRITER_H_
