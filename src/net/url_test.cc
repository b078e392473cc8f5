#include "net/url.h"

#include <string>

#include "gtest/gtest.h"

namespace ferry {
namespace {

std::string Resolve(const std::string& base, const std::string& ref) {
  Result<std::string> r = ResolveUrl(base, ref);
  return r.ok() ? *r : "ERROR: " + r.status().message();
}

TEST(UrlTest, ResolvesReferencesAgainstTheServerUrl) {
  const std::string base = "http://cat.example:8080/api/sync/manifest?x=1#frag";
  EXPECT_EQ(Resolve(base, "https://cdn.example/o/orders.parquet?sig=abc"),
            "https://cdn.example/o/orders.parquet?sig=abc");
  EXPECT_EQ(Resolve(base, "HTTP://Cdn.Example/a"), "HTTP://Cdn.Example/a");
  EXPECT_EQ(Resolve(base, "/api/data/orders/download"),
            "http://cat.example:8080/api/data/orders/download");
  EXPECT_EQ(Resolve(base, "/api/memory/bundle?domain=playbook"),
            "http://cat.example:8080/api/memory/bundle?domain=playbook");
  EXPECT_EQ(Resolve(base, "//mirror.example/x"), "http://mirror.example/x");
  EXPECT_EQ(Resolve(base, "../data/o"), "http://cat.example:8080/api/data/o");
  EXPECT_EQ(Resolve(base, "parts/p1.parquet"), "http://cat.example:8080/api/sync/parts/p1.parquet");
  EXPECT_EQ(Resolve(base, "./a/./b/../c"), "http://cat.example:8080/api/sync/a/c");
  EXPECT_EQ(Resolve(base, "../../../../x"), "http://cat.example:8080/x");
  EXPECT_EQ(Resolve(base, "?y=2"), "http://cat.example:8080/api/sync/manifest?y=2");
  EXPECT_EQ(Resolve(base, "#other"), "http://cat.example:8080/api/sync/manifest?x=1#other");
  EXPECT_EQ(Resolve(base, ""), "http://cat.example:8080/api/sync/manifest?x=1");
}

TEST(UrlTest, BaseWithoutPathResolvesFromTheRoot) {
  EXPECT_EQ(Resolve("https://cat.example", "api/x"), "https://cat.example/api/x");
  EXPECT_EQ(Resolve("https://cat.example", "/api/x"), "https://cat.example/api/x");
  EXPECT_EQ(Resolve("https://cat.example/", "dir/"), "https://cat.example/dir/");
}

TEST(UrlTest, RejectsOtherSchemesAndBadBases) {
  EXPECT_EQ(Resolve("http://cat/", "file:///etc/passwd"),
            "ERROR: URL \"file:///etc/passwd\" is not an http(s) URL; ferry only fetches "
            "http:// and https://");
  EXPECT_EQ(Resolve("http://cat/", "javascript:alert(1)"),
            "ERROR: URL \"javascript:alert(1)\" is not an http(s) URL; ferry only fetches "
            "http:// and https://");
  EXPECT_EQ(Resolve("cat.example/api", "/x"),
            "ERROR: cannot resolve \"/x\" against \"cat.example/api\": the base is not an "
            "absolute http(s) URL");
  EXPECT_EQ(Resolve("http:///nohost", "/x"),
            "ERROR: cannot resolve \"/x\" against \"http:///nohost\": the base is not an "
            "absolute http(s) URL");
}

TEST(UrlTest, ColonAfterASlashIsNotAScheme) {
  EXPECT_EQ(Resolve("http://cat/api/", "a/b:c"), "http://cat/api/a/b:c");
}

TEST(UrlTest, EncodesQueryValues) {
  EXPECT_EQ(UrlEncodeQueryValue("playbook"), "playbook");
  EXPECT_EQ(UrlEncodeQueryValue("a b/c"), "a%20b%2Fc");
  EXPECT_EQ(UrlEncodeQueryValue("x-y_z.w~"), "x-y_z.w~");
  EXPECT_EQ(UrlEncodeQueryValue("k=v&q?#%+"), "k%3Dv%26q%3F%23%25%2B");
  EXPECT_EQ(UrlEncodeQueryValue("\xC3\xA9"), "%C3%A9");
  EXPECT_EQ(UrlEncodeQueryValue(""), "");
}

}  // namespace
}  // namespace ferry
