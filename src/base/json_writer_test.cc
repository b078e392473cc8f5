#include "base/json_writer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace ferry {
namespace {

using nlohmann::json;

// Writes `j` through the writer: objects, strings, integers and booleans natively, anything
// else (arrays, null, floats) as RawPretty of nlohmann's own text.
void Write(const json& j, PrettyJsonWriter* w) {
  if (j.is_object()) {
    w->BeginObject();
    for (const auto& [k, v] : j.items()) {
      w->Key(k);
      Write(v, w);
    }
    w->EndObject();
  } else if (j.is_string()) {
    w->String(j.get<std::string>());
  } else if (j.is_number_unsigned()) {
    w->Uint(j.get<uint64_t>());
  } else if (j.is_number_integer()) {
    w->Int(j.get<int64_t>());
  } else if (j.is_boolean()) {
    w->Bool(j.get<bool>());
  } else {
    w->RawPretty(j.dump(2));
  }
}

std::string Written(const json& j, bool* valid = nullptr) {
  std::string out;
  PrettyJsonWriter w(&out);
  Write(j, &w);
  if (valid != nullptr) *valid = w.valid_utf8();
  return out;
}

TEST(PrettyJsonWriterTest, MatchesNlohmannDumpForNestedObjects) {
  json j = {{"b", {{"x", 1}, {"y", json::object()}, {"z", {{"deep", true}}}}},
            {"a", "text"},
            {"empty", json::object()},
            {"neg", -42},
            {"big", uint64_t{18446744073709551615u}},
            {"list", json::array({1, "two", json::object({{"k", json::array()}})})},
            {"null", nullptr},
            {"float", 1.5}};
  EXPECT_EQ(Written(j), j.dump(2));
}

TEST(PrettyJsonWriterTest, EscapesEveryControlCharacterAsNlohmannDoes) {
  std::string all;
  for (int c = 0; c < 0x80; ++c) all.push_back(static_cast<char>(c));
  json j = {{all, all}, {"quote\"back\\slash/", "\x7f"}};
  EXPECT_EQ(Written(j), j.dump(2));
}

TEST(PrettyJsonWriterTest, PassesUtf8ThroughAndFlagsInvalidUtf8) {
  json j = {{"caf\xc3\xa9", "\xe2\x82\xac \xf0\x9f\x98\x80"}};
  bool valid = false;
  EXPECT_EQ(Written(j, &valid), j.dump(2));
  EXPECT_TRUE(valid);

  std::string out;
  PrettyJsonWriter w(&out);
  w.BeginObject();
  w.Key("bad");
  w.String("\xff\xfe");
  w.EndObject();
  EXPECT_FALSE(w.valid_utf8());
}

TEST(IsValidUtf8Test, RefusesOverlongsSurrogatesTruncationAndOutOfRange) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));      // overlong, three bytes
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // a UTF-16 surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\x80"));              // a continuation byte first
  EXPECT_FALSE(IsValidUtf8("\xc3("));             // a bad continuation
}

}  // namespace
}  // namespace ferry
