#include "net/bearer_token.h"

#include <string>

#include "gtest/gtest.h"

namespace ferry {
namespace {

using Headers = BearerToken::Headers;

const Headers kBearer = {{"Authorization", "Bearer s3cret"}};

TEST(BearerTokenTest, GoesToTheServersOriginWhateverThePath) {
  Result<BearerToken> t = BearerToken::ForServer("s3cret", "http://catalog.example:8080/base/");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->origin(), "http://catalog.example:8080");
  EXPECT_EQ(t->HeadersFor("http://catalog.example:8080/api/sync/manifest"), kBearer);
  EXPECT_EQ(t->HeadersFor("http://CATALOG.example:8080/api/data/x/download?part=a"), kBearer);
}

// Issue 9 item 3: an absolute parquet_url or bundle_url on another origin received the token.
TEST(BearerTokenTest, StaysHomeForEveryOtherOrigin) {
  BearerToken t = *BearerToken::ForServer("s3cret", "http://catalog.example:8080");
  for (const char* elsewhere : {
           "http://cdn.example:8080/o/orders.parquet",          // another host
           "http://catalog.example:9090/api/data/x/download",   // another port
           "https://catalog.example:8080/api/data/x/download",  // another scheme
           "http://catalog.example/api/data/x/download",        // port 80, not 8080
           "http://catalog.example:8080@evil.example/steal",    // userinfo trick
           "http://catalog.example.evil.example:8080/x",        // a longer host
           "ftp://catalog.example:8080/x",                      // not http(s)
           "/api/data/x/download",                              // no origin at all
       }) {
    EXPECT_TRUE(t.HeadersFor(elsewhere).empty()) << elsewhere;
  }
}

TEST(BearerTokenTest, DefaultPortsAreTheSameOrigin) {
  BearerToken http = *BearerToken::ForServer("s3cret", "http://cat");
  EXPECT_EQ(http.HeadersFor("http://cat:80/x"), kBearer);
  EXPECT_TRUE(http.HeadersFor("https://cat/x").empty());
  BearerToken https = *BearerToken::ForServer("s3cret", "https://cat:443/");
  EXPECT_EQ(https.HeadersFor("https://cat/x"), kBearer);
  EXPECT_TRUE(https.HeadersFor("http://cat:443/x").empty());
}

TEST(BearerTokenTest, NoTokenMeansNoHeaderAnywhere) {
  BearerToken none = *BearerToken::ForServer("", "not even a url");
  EXPECT_TRUE(none.empty());
  EXPECT_TRUE(none.HeadersFor("http://cat/x").empty());
  EXPECT_TRUE(BearerToken().HeadersFor("http://cat/x").empty());
}

TEST(BearerTokenTest, ATokenForAServerWithoutAnOriginIsAnError) {
  Result<BearerToken> t = BearerToken::ForServer("s3cret", "catalog.example:8080");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(t.status().message(),
            "--server: URL \"catalog.example:8080\" has no origin: not an absolute http(s) URL");
}

}  // namespace
}  // namespace ferry
