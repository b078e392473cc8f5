#include "base/yaml_util.h"

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/mem_env.h"

namespace ferry {
namespace {

TEST(YamlUtilTest, SyntaxErrorsNameTheLineAndColumn) {
  auto r = ParseYaml("a: [1, 2\nb: 3\n", "ferry.yaml");
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "ferry.yaml:2:2: end of sequence flow not found");
  EXPECT_EQ(ParseYaml("key: value\n  bad: indent\n", "ferry.yaml").status().message(),
            "ferry.yaml:2:6: illegal map value");
}

TEST(YamlUtilTest, ParsesDocumentsAndTreatsEmptyTextAsNull) {
  auto r = ParseYaml("name: sales\nsizes: [1, 2]\n", "x");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["name"].as<std::string>(), "sales");
  EXPECT_EQ((*r)["sizes"].size(), 2u);
  auto empty = ParseYaml("", "x");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->IsNull());
}

TEST(YamlUtilTest, ParseYamlFileNamesThePath) {
  MemEnv env;
  ASSERT_TRUE(WriteFileAtomically(&env, "/ferry.yaml", "ok: true\nlist: [1,\n").ok());
  EXPECT_EQ(ParseYamlFile(&env, "/ferry.yaml").status().message(),
            "/ferry.yaml:3:1: end of sequence flow not found");
  EXPECT_EQ(ParseYamlFile(&env, "/missing.yaml").status().message(),
            "open /missing.yaml: No such file or directory");
  EXPECT_EQ(ParseYamlFile(&env, "/ferry.yaml", 4).status().code(),
            StatusCode::kInvalidArgument);
  ASSERT_TRUE(WriteFileAtomically(&env, "/good.yaml", "a: 1\n").ok());
  EXPECT_EQ((*ParseYamlFile(&env, "/good.yaml"))["a"].as<int>(), 1);
}

}  // namespace
}  // namespace ferry
