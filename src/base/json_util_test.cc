#include "base/json_util.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

using nlohmann::json;

TEST(JsonUtilTest, ParseJsonReportsWhereTheTextGoesWrong) {
  auto bad = ParseJson("{\"a\": x}", "config.json");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(),
            "config.json: invalid JSON at byte 7: syntax error while parsing value - invalid "
            "literal; last read: '\"a\": x'");
  EXPECT_EQ(ParseJson("{\"a\": 1", "m.json").status().message(),
            "m.json: invalid JSON at byte 8: syntax error while parsing object - unexpected "
            "end of input; expected '}'");
  EXPECT_EQ(ParseJson("[1,2] 3", "m.json").status().message(),
            "m.json: invalid JSON at byte 7: syntax error while parsing value - unexpected "
            "number literal; expected end of input");
  EXPECT_EQ(ParseJson(" \n", "m.json").status().message(),
            "m.json: invalid JSON: the document is empty");
  auto good = ParseJson("{\"a\": [1, 2]}", "m.json");
  ASSERT_TRUE(good.ok());
  EXPECT_EQ((*good)["a"][1], 2);
}

TEST(JsonUtilTest, GetStringTurnsTypeErrorsIntoStatus) {
  json obj = {{"name", "sales"}, {"size", 12}, {"nothing", nullptr}};
  EXPECT_EQ(*GetString(obj, "name", "pkg.json"), "sales");
  EXPECT_EQ(GetString(obj, "size", "pkg.json").status().message(),
            "pkg.json: \"size\" must be a string, got number");
  EXPECT_EQ(GetString(obj, "missing", "pkg.json").status().message(),
            "pkg.json: missing \"missing\"");
  EXPECT_EQ(GetString(obj, "nothing", "pkg.json").status().message(),
            "pkg.json: missing \"nothing\"");
  EXPECT_EQ(GetString(json::array(), "name", "pkg.json").status().message(),
            "pkg.json: expected an object, got array");
  EXPECT_EQ(GetString(obj, "size", "pkg.json").status().code(), StatusCode::kInvalidArgument);
}

TEST(JsonUtilTest, OptionalGettersDefaultOnMissingOrNull) {
  json obj = {{"s", "x"}, {"n", nullptr}, {"i", -5}, {"u", 18446744073709551615ULL},
              {"f", 1.5}, {"b", true}, {"bs", "true"}};
  EXPECT_EQ(*GetOptionalString(obj, "s", "w"), "x");
  EXPECT_EQ(*GetOptionalString(obj, "n", "w"), "");
  EXPECT_EQ(*GetOptionalString(obj, "zz", "w", "dflt"), "dflt");
  EXPECT_EQ(GetOptionalString(obj, "i", "w").status().message(),
            "w: \"i\" must be a string, got number");

  EXPECT_EQ(*GetOptionalInt64(obj, "i", "w"), -5);
  EXPECT_EQ(*GetOptionalInt64(obj, "zz", "w", 7), 7);
  EXPECT_EQ(*GetOptionalInt64(obj, "n", "w"), 0);
  EXPECT_EQ(GetOptionalInt64(obj, "f", "w").status().message(),
            "w: \"f\" must be an integer, got number");
  EXPECT_EQ(GetOptionalInt64(obj, "u", "w").status().message(),
            "w: \"u\" is out of range: 18446744073709551615");
  EXPECT_EQ(GetOptionalInt64(obj, "s", "w").status().message(),
            "w: \"s\" must be an integer, got string");

  EXPECT_TRUE(*GetOptionalBool(obj, "b", "w"));
  EXPECT_FALSE(*GetOptionalBool(obj, "zz", "w"));
  EXPECT_TRUE(*GetOptionalBool(obj, "zz", "w", true));
  EXPECT_EQ(GetOptionalBool(obj, "bs", "w").status().message(),
            "w: \"bs\" must be true or false, got string");
}

TEST(JsonUtilTest, JsonTypeNameNamesEveryKind) {
  EXPECT_EQ(JsonTypeName(json()), "null");
  EXPECT_EQ(JsonTypeName(json(true)), "boolean");
  EXPECT_EQ(JsonTypeName(json(1)), "number");
  EXPECT_EQ(JsonTypeName(json(1.5)), "number");
  EXPECT_EQ(JsonTypeName(json("s")), "string");
  EXPECT_EQ(JsonTypeName(json::array()), "array");
  EXPECT_EQ(JsonTypeName(json::object()), "object");
}

}  // namespace
}  // namespace ferry
