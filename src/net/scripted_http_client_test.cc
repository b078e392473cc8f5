#include "net/scripted_http_client.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace ferry {
namespace {

const std::string kUrl = "http://cat/api/data/orders/download";

HttpRequest Get(const std::string& url) {
  HttpRequest req;
  req.url = url;
  return req;
}

struct Collected {
  std::string bytes;
  int chunks = 0;
  int first_status = 0;
  HttpBodySink Sink() {
    return [this](const HttpResponse& r, std::string_view chunk) {
      if (chunks++ == 0) first_status = r.status;
      bytes.append(chunk);
      return Status::OK();
    };
  }
};

TEST(ScriptedHttpClientTest, RepliesInOrderAndRepeatsTheLast) {
  ScriptedHttpClient client;
  ScriptedResponse busy;
  busy.status = 503;
  ScriptedResponse ok;
  ok.body = "hello";
  ok.headers["ETag"] = "\"e1\"";
  client.Script("GET", kUrl, {busy, ok});

  std::vector<int> statuses;
  for (int i = 0; i < 3; ++i) {
    Collected got;
    Result<HttpResponse> r = client.Send(Get(kUrl), got.Sink());
    ASSERT_TRUE(r.ok());
    statuses.push_back(r->status);
    if (r->status == 200) {
      EXPECT_EQ(got.bytes, "hello");
      EXPECT_EQ(r->header("etag"), "\"e1\"") << "header names are lowercased";
      EXPECT_EQ(r->header("content-length"), "5");
    }
  }
  EXPECT_EQ(statuses, (std::vector<int>{503, 200, 200}));
  EXPECT_EQ(client.CountRequests("GET", kUrl), 3u);
}

TEST(ScriptedHttpClientTest, UnscriptedUrlIs404) {
  ScriptedHttpClient client;
  Collected got;
  Result<HttpResponse> r = client.Send(Get("http://cat/nope"), got.Sink());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(got.bytes, "not scripted: GET http://cat/nope");
}

TEST(ScriptedHttpClientTest, MethodIsPartOfTheKey) {
  ScriptedHttpClient client;
  client.ScriptBody(kUrl, "data");
  HttpRequest head = Get(kUrl);
  head.method = "HEAD";
  Result<HttpResponse> r = client.Send(head, nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
}

TEST(ScriptedHttpClientTest, RangeIsSlicedWith206WhenSupported) {
  ScriptedHttpClient client;
  client.ScriptBody(kUrl, "0123456789");

  HttpRequest req = Get(kUrl);
  req.range_first = 3;
  req.range_last = 5;
  Collected got;
  Result<HttpResponse> r = client.Send(req, got.Sink());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 206);
  EXPECT_EQ(got.first_status, 206);
  EXPECT_EQ(got.bytes, "345");
  EXPECT_EQ(r->header("content-range"), "bytes 3-5/10");
  EXPECT_EQ(r->header("content-length"), "3");

  req.range_first = 7;
  req.range_last.reset();
  Collected tail;
  r = client.Send(req, tail.Sink());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 206);
  EXPECT_EQ(tail.bytes, "789");

  req.range_first = 10;
  Collected past;
  r = client.Send(req, past.Sink());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 416);
  EXPECT_EQ(r->header("content-range"), "bytes */10");
  EXPECT_EQ(past.chunks, 0);
}

TEST(ScriptedHttpClientTest, RangeIsIgnoredWithoutSupport) {
  ScriptedHttpClient client;
  ScriptedResponse reply;
  reply.body = "0123456789";
  client.Script("GET", kUrl, {reply});
  HttpRequest req = Get(kUrl);
  req.range_first = 4;
  Collected got;
  Result<HttpResponse> r = client.Send(req, got.Sink());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(got.bytes, "0123456789");
}

TEST(ScriptedHttpClientTest, FailAfterBytesDeliversAPrefixThenARetryableError) {
  ScriptedHttpClient client;
  client.set_chunk_size(4);
  ScriptedResponse dropped;
  dropped.body = "0123456789";
  dropped.supports_range = true;
  dropped.fail_after_bytes = 6;
  ScriptedResponse whole = dropped;
  whole.fail_after_bytes.reset();
  client.Script("GET", kUrl, {dropped, whole});

  Collected got;
  Result<HttpResponse> r = client.Send(Get(kUrl), got.Sink());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(r.status().retryable());
  EXPECT_EQ(r.status().message(),
            "GET " + kUrl + ": transfer closed with bytes remaining to read (scripted)");
  EXPECT_EQ(got.bytes, "012345");
  EXPECT_EQ(got.chunks, 2);

  // The resume from where it broke gets the rest.
  HttpRequest resume = Get(kUrl);
  resume.range_first = got.bytes.size();
  r = client.Send(resume, got.Sink());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 206);
  EXPECT_EQ(got.bytes, "0123456789");
}

TEST(ScriptedHttpClientTest, TransportErrorIsReturnedWithoutDelivery) {
  ScriptedHttpClient client;
  ScriptedResponse refused;
  refused.transport_error = Status::Unavailable("GET " + kUrl + ": Connection refused");
  client.Script("GET", kUrl, {refused});
  Collected got;
  Result<HttpResponse> r = client.Send(Get(kUrl), got.Sink());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "GET " + kUrl + ": Connection refused");
  EXPECT_EQ(got.chunks, 0);
}

TEST(ScriptedHttpClientTest, SinkErrorIsReturnedUnchanged) {
  ScriptedHttpClient client;
  client.set_chunk_size(2);
  client.ScriptBody(kUrl, "0123456789");
  int calls = 0;
  Result<HttpResponse> r = client.Send(Get(kUrl), [&](const HttpResponse&, std::string_view) {
    return ++calls == 2 ? Status::Cancelled("stop") : Status::OK();
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled);
  EXPECT_EQ(r.status().message(), "stop");
  EXPECT_EQ(calls, 2);
}

TEST(ScriptedHttpClientTest, HeadGetsHeadersButNoBody) {
  ScriptedHttpClient client;
  ScriptedResponse reply;
  reply.body = "0123456789";
  client.Script("HEAD", kUrl, {reply});
  HttpRequest head = Get(kUrl);
  head.method = "HEAD";
  Collected got;
  Result<HttpResponse> r = client.Send(head, got.Sink());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-length"), "10");
  EXPECT_EQ(got.chunks, 0);
}

TEST(ScriptedHttpClientTest, RecordsEveryRequest) {
  ScriptedHttpClient client;
  HttpRequest req = Get(kUrl);
  req.headers = {{"Authorization", "Bearer t"}};
  req.range_first = 5;
  IgnoreError(client.Send(req, nullptr).status(), "only the record matters here");
  HttpRequest put;
  put.method = "PUT";
  put.url = "http://cat/x";
  put.body = "payload";
  IgnoreError(client.Send(put, nullptr).status(), "only the record matters here");

  std::vector<HttpRequest> seen = client.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].url, kUrl);
  EXPECT_EQ(seen[0].headers, req.headers);
  EXPECT_EQ(seen[0].range_first, std::optional<uint64_t>(5));
  EXPECT_EQ(seen[1].method, "PUT");
  EXPECT_EQ(seen[1].body, "payload");
}

TEST(ScriptedHttpClientTest, SendAndCollectGathersTheBodyUnderTheCap) {
  ScriptedHttpClient client;
  client.set_chunk_size(3);
  client.ScriptBody(kUrl, "0123456789");
  Result<HttpResponse> r = SendAndCollect(&client, Get(kUrl), 10);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "0123456789");

  r = SendAndCollect(&client, Get(kUrl), 9);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "response body of " + kUrl + " exceeds 9 bytes");
}

}  // namespace
}  // namespace ferry
