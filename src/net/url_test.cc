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

std::string Origin(const std::string& url) {
  Result<std::string> r = UrlOrigin(url);
  return r.ok() ? *r : "ERROR: " + r.status().message();
}

TEST(UrlTest, OriginIsSchemeHostAndPortWithDefaultPortsMadeExplicit) {
  EXPECT_EQ(Origin("http://cat.example/api/sync/manifest"), "http://cat.example:80");
  EXPECT_EQ(Origin("HTTP://Cat.Example:80/x?y#z"), "http://cat.example:80");
  EXPECT_EQ(Origin("https://cat.example"), "https://cat.example:443");
  EXPECT_EQ(Origin("https://cat.example:443?q"), "https://cat.example:443");
  EXPECT_EQ(Origin("http://cat.example:8080#f"), "http://cat.example:8080");
  EXPECT_EQ(Origin("http://cat.example:/x"), "http://cat.example:80");
  EXPECT_EQ(Origin("http://127.0.0.1:08080/"), "http://127.0.0.1:8080");
  EXPECT_EQ(Origin("http://[::1]:9000/x"), "http://[::1]:9000");
  EXPECT_EQ(Origin("https://[::1]/x"), "https://[::1]:443");
  // userinfo never names the peer: this URL goes to evil.example.
  EXPECT_EQ(Origin("http://cat.example@evil.example/x"), "http://evil.example:80");
  EXPECT_EQ(Origin("http://u:p@cat.example:81/x"), "http://cat.example:81");
}

TEST(UrlTest, OriginOfWhatIsNotAnHttpUrlIsAnError) {
  EXPECT_EQ(Origin("file:///etc/passwd"),
            "ERROR: URL \"file:///etc/passwd\" has no origin: not an absolute http(s) URL");
  EXPECT_EQ(Origin("/api/data/x"),
            "ERROR: URL \"/api/data/x\" has no origin: not an absolute http(s) URL");
  EXPECT_EQ(Origin("http://cat:http/x"),
            "ERROR: URL \"http://cat:http/x\" has no origin: port is "
            "not a number");
  EXPECT_EQ(Origin("http://cat:99999/"),
            "ERROR: URL \"http://cat:99999/\" has no origin: port out of range");
  EXPECT_EQ(Origin("http://:80/"), "ERROR: URL \"http://:80/\" has no origin: no host");
  EXPECT_EQ(Origin("http://[::1/"),
            "ERROR: URL \"http://[::1/\" has no origin: unterminated IPv6 literal");
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
