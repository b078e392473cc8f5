#include "net/http_status.h"

#include <string>

#include "gtest/gtest.h"

namespace ferry {
namespace {

const std::string kUrl = "http://cat.example:8080/api/data/orders/download";

HttpResponse Response(int status, std::string body = "") {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

struct Case {
  int status;
  StatusCode code;
  bool retryable;
  std::string message;  // empty: OK
};

TEST(HttpStatusTest, EachStatusMapsToTheProtocolsMeaning) {
  const std::string p = "GET " + kUrl + ": ";
  const Case cases[] = {
      {200, StatusCode::kOk, false, ""},
      {204, StatusCode::kOk, false, ""},
      {206, StatusCode::kOk, false, ""},
      {304, StatusCode::kOk, false, ""},
      {401, StatusCode::kUnauthorized, false,
       p + "HTTP 401 Unauthorized: the server refused the token, or none was sent; pass --token, "
           "set FERRY_TOKEN or write the token file ~/.config/ferry/token"},
      {403, StatusCode::kUnauthorized, false, p + "HTTP 403 Forbidden: not granted to this token"},
      {404, StatusCode::kNotFound, false, p + "HTTP 404 Not Found"},
      {400, StatusCode::kInvalidArgument, false, p + "HTTP 400"},
      {405, StatusCode::kInvalidArgument, false, p + "HTTP 405"},
      {416, StatusCode::kInvalidArgument, false, p + "HTTP 416"},
      {408, StatusCode::kUnavailable, true, p + "HTTP 408"},
      {429, StatusCode::kUnavailable, true, p + "HTTP 429"},
      {500, StatusCode::kUnavailable, true, p + "HTTP 500"},
      {502, StatusCode::kUnavailable, true, p + "HTTP 502"},
      {503, StatusCode::kUnavailable, true, p + "HTTP 503"},
      {0, StatusCode::kInvalidArgument, false,
       p + "HTTP 0 is not a status a server should answer with"},
      {101, StatusCode::kInvalidArgument, false,
       p + "HTTP 101 is not a status a server should answer with"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("HTTP " + std::to_string(c.status));
    Status s = StatusFromHttpResponse(Response(c.status), "GET", kUrl);
    EXPECT_EQ(s.code(), c.code);
    EXPECT_EQ(s.retryable(), c.retryable);
    EXPECT_EQ(s.message(), c.message);
  }
}

TEST(HttpStatusTest, RedirectNamesTheLocationAndSaysFerryDoesNotFollow) {
  HttpResponse r = Response(301);
  r.headers["location"] = "https://cdn.example/orders.parquet";
  Status s = StatusFromHttpResponse(r, "GET", kUrl);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(s.retryable());
  EXPECT_EQ(s.message(), "GET " + kUrl +
                             ": server redirected to https://cdn.example/orders.parquet; ferry "
                             "does not follow redirects: use the final URL");

  s = StatusFromHttpResponse(Response(307), "HEAD", kUrl);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "HEAD " + kUrl +
                             ": server answered HTTP 307 (a redirect) without a Location; ferry "
                             "does not follow redirects: use the final URL");
}

TEST(HttpStatusTest, PlainTextReasonIsAppendedOnOneLine) {
  Status s =
      StatusFromHttpResponse(Response(500, "disk\n  is\tfull\n"), "POST", "http://h/api/push");
  EXPECT_EQ(s.message(), "POST http://h/api/push: HTTP 500: disk is full");

  s = StatusFromHttpResponse(Response(403, "table orders is server_only"), "GET", kUrl);
  EXPECT_EQ(s.message(), "GET " + kUrl +
                             ": HTTP 403 Forbidden: not granted to this token: table orders is "
                             "server_only");
}

TEST(HttpStatusTest, JsonErrorBodyGivesItsMessageNotItsSyntax) {
  Status s = StatusFromHttpResponse(Response(500, "{\"detail\":\n  \"database is locked\"}\n"),
                                    "POST", "http://h/api/push");
  EXPECT_EQ(s.message(), "POST http://h/api/push: HTTP 500: database is locked");
  // ferry serve's own shape (PROTOCOL.md).
  s = StatusFromHttpResponse(
      Response(404, "{\"error\":\"no such endpoint; see docs/PROTOCOL.md\"}\n"), "GET", kUrl);
  EXPECT_EQ(s.message(), "GET " + kUrl +
                             ": HTTP 404 Not Found: no such endpoint; see "
                             "docs/PROTOCOL.md");
  s = StatusFromHttpResponse(Response(400, "{\"error\":{\"code\":7,\"message\":\"bad id\"}}"),
                             "GET", kUrl);
  EXPECT_EQ(s.message(), "GET " + kUrl + ": HTTP 400: bad id");
  // A JSON document without a known key is short plain text too.
  s = StatusFromHttpResponse(Response(400, "{\"why\": 1}"), "GET", kUrl);
  EXPECT_EQ(s.message(), "GET " + kUrl + ": HTTP 400: {\"why\": 1}");
}

// Issue 9: a proxy's 404 page ended up in the message, tags and all.
TEST(HttpStatusTest, HtmlOrXmlBodyIsNeverQuoted) {
  const std::string page =
      "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\n<body><h1>Not "
      "Found</h1><p>The requested URL was not found on this server.</p></body></html>\n";
  HttpResponse typed = Response(404, page);
  typed.headers["content-type"] = "text/html; charset=utf-8";
  const std::string want = "GET " + kUrl + ": HTTP 404 Not Found";
  EXPECT_EQ(StatusFromHttpResponse(typed, "GET", kUrl).message(), want);
  // Without a Content-Type, a body that starts with a tag is markup too.
  EXPECT_EQ(StatusFromHttpResponse(Response(404, "\n  " + page), "GET", kUrl).message(), want);
  HttpResponse xml = Response(403,
                              "<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code>"
                              "</Error>");
  xml.headers["content-type"] = "application/xml";
  EXPECT_EQ(StatusFromHttpResponse(xml, "GET", kUrl).message(),
            "GET " + kUrl + ": HTTP 403 Forbidden: not granted to this token");
  HttpResponse denied = Response(401, page);
  EXPECT_EQ(StatusFromHttpResponse(denied, "GET", kUrl).message(),
            "GET " + kUrl +
                ": HTTP 401 Unauthorized: the server refused the token, or none was sent; pass "
                "--token, set FERRY_TOKEN or write the token file ~/.config/ferry/token");
}

TEST(HttpStatusTest, ServerReasonIsCutAt200Characters) {
  EXPECT_EQ(ServerReason(Response(500, std::string(500, 'x'))), std::string(200, 'x') + "...");
  EXPECT_EQ(ServerReason(Response(500, "")), "");
}

TEST(HttpStatusTest, LongBodyExcerptIsCut) {
  EXPECT_EQ(BodyExcerpt(std::string(500, 'x'), 10), "xxxxxxxxxx...");
  EXPECT_EQ(BodyExcerpt("short"), "short");
  EXPECT_EQ(BodyExcerpt("\r\n\r\n"), "");
  EXPECT_EQ(BodyExcerpt(""), "");
}

}  // namespace
}  // namespace ferry
