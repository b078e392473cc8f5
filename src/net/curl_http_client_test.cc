// CurlHttpClient against a real HTTP server on loopback (tests/support/loopback_http_server.h).
#include "net/curl_http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "net/http_status.h"
#include "support/loopback_http_server.h"

namespace ferry {
namespace {

using ::ferry::testing::LoopbackHttpServer;

std::string PseudoRandomBytes(size_t n, uint32_t seed) {
  std::string out(n, '\0');
  uint32_t x = seed;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1664525u + 1013904223u;
    out[i] = static_cast<char>(x >> 24);
  }
  return out;
}

// Collects what the sink saw.
struct Collected {
  std::string bytes;
  int chunks = 0;
  int status_at_first_chunk = 0;
  HttpBodySink Sink() {
    return [this](const HttpResponse& r, std::string_view chunk) {
      if (chunks == 0) status_at_first_chunk = r.status;
      ++chunks;
      bytes.append(chunk);
      return Status::OK();
    };
  }
};

HttpRequest Get(const std::string& url) {
  HttpRequest req;
  req.url = url;
  return req;
}

class CurlHttpClientTest : public ::testing::Test {
 protected:
  // Declared after the server so that it is destroyed first: its keep-alive connections
  // close and the server stops at once.
  LoopbackHttpServer server_;
  CurlHttpClient client_{"ferry-test/1.0"};
};

TEST_F(CurlHttpClientTest, GetStreamsTheBodyInChunksToTheSink) {
  const std::string body = PseudoRandomBytes(3 << 20, 7);
  std::string user_agent, accept_encoding = "unset";
  server_.server().Get("/data", [&](const httplib::Request& req, httplib::Response& res) {
    user_agent = req.get_header_value("User-Agent");
    if (req.has_header("Accept-Encoding"))
      accept_encoding = req.get_header_value("Accept-Encoding");
    res.set_header("ETag", "\"v1\"");
    res.set_content(body, "application/octet-stream");
  });
  server_.Start();

  Collected got;
  Result<HttpResponse> r = client_.Send(Get(server_.url("/data")), got.Sink());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("etag"), "\"v1\"");
  EXPECT_EQ(r->header("content-length"), std::to_string(body.size()));
  EXPECT_TRUE(r->body.empty());
  EXPECT_EQ(got.status_at_first_chunk, 200);
  EXPECT_GT(got.chunks, 1);
  EXPECT_TRUE(got.bytes == body) << "received " << got.bytes.size() << " bytes";
  EXPECT_EQ(user_agent, "ferry-test/1.0");
  EXPECT_EQ(accept_encoding, "unset") << "parquet must arrive as served, not re-encoded";
}

TEST_F(CurlHttpClientTest, RangeRequestGets206WithExactlyThoseBytes) {
  const std::string body = PseudoRandomBytes(10000, 3);
  std::vector<std::string> ranges_seen;
  std::mutex mu;
  server_.server().Get("/data", [&](const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard<std::mutex> lock(mu);
      ranges_seen.push_back(req.get_header_value("Range"));
    }
    res.set_content(body, "application/octet-stream");
  });
  server_.Start();

  HttpRequest req = Get(server_.url("/data"));
  req.range_first = 100;
  req.range_last = 199;
  Collected got;
  Result<HttpResponse> r = client_.Send(req, got.Sink());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 206);
  EXPECT_EQ(r->header("content-range"), "bytes 100-199/10000");
  EXPECT_TRUE(got.bytes == body.substr(100, 100)) << got.bytes.size() << " bytes";

  req.range_first = 9990;  // open-ended: to the end
  req.range_last.reset();
  Collected tail;
  r = client_.Send(req, tail.Sink());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 206);
  EXPECT_TRUE(tail.bytes == body.substr(9990)) << tail.bytes.size() << " bytes";
  EXPECT_EQ(ranges_seen, (std::vector<std::string>{"bytes=100-199", "bytes=9990-"}));
}

TEST_F(CurlHttpClientTest, ServerIgnoringRangeIsReportedAs200WithTheWholeBody) {
  const std::string body = PseudoRandomBytes(5000, 5);
  server_.server().Get("/data", [body](const httplib::Request&, httplib::Response& res) {
    // A body of unknown length with an explicit 200: httplib cannot apply the Range, like a
    // server without range support.
    res.status = 200;
    res.set_chunked_content_provider("application/octet-stream",
                                     [body](size_t, httplib::DataSink& sink) {
                                       sink.write(body.data(), body.size());
                                       sink.done();
                                       return true;
                                     });
  });
  server_.Start();

  HttpRequest req = Get(server_.url("/data"));
  req.range_first = 1000;
  Collected got;
  Result<HttpResponse> r = client_.Send(req, got.Sink());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200) << "the caller decides that a 200 means start over";
  EXPECT_TRUE(got.bytes == body) << "received " << got.bytes.size() << " bytes";
}

TEST_F(CurlHttpClientTest, IfNoneMatchGets304WithoutABody) {
  server_.server().Get("/data", [&](const httplib::Request& req, httplib::Response& res) {
    res.set_header("ETag", "\"v1\"");
    if (req.get_header_value("If-None-Match") == "\"v1\"") {
      res.status = 304;
      return;
    }
    res.set_content("payload", "application/octet-stream");
  });
  server_.Start();

  HttpRequest req = Get(server_.url("/data"));
  req.headers.push_back({"If-None-Match", "\"v1\""});
  Collected got;
  Result<HttpResponse> r = client_.Send(req, got.Sink());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 304);
  EXPECT_EQ(r->header("etag"), "\"v1\"");
  EXPECT_EQ(got.chunks, 0);
  EXPECT_TRUE(StatusFromHttpResponse(*r, "GET", req.url).ok());

  req.headers = {{"If-None-Match", "\"v0\""}};
  r = client_.Send(req, got.Sink());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(got.bytes, "payload");
}

TEST_F(CurlHttpClientTest, RedirectIsReturnedNotFollowed) {
  std::atomic<int> new_hits{0};
  server_.server().Get("/old", [&](const httplib::Request&, httplib::Response& res) {
    res.set_redirect(server_.url("/new"), 302);
  });
  server_.server().Get("/new", [&](const httplib::Request&, httplib::Response& res) {
    ++new_hits;
    res.set_content("new", "text/plain");
  });
  server_.Start();

  Collected got;
  Result<HttpResponse> r = client_.Send(Get(server_.url("/old")), got.Sink());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 302);
  EXPECT_EQ(r->header("location"), server_.url("/new"));
  EXPECT_EQ(new_hits.load(), 0);
  Status s = StatusFromHttpResponse(*r, "GET", server_.url("/old"));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "GET " + server_.url("/old") + ": server redirected to " +
                             server_.url("/new") +
                             "; ferry does not follow redirects: use the final URL");
}

// Issue 9 item 3: a redirect must not carry the token to another origin. The client follows
// none, so the other origin hears nothing at all (and libcurl's UNRESTRICTED_AUTH stays off).
TEST_F(CurlHttpClientTest, RedirectToAnotherOriginIsNotFollowedSoTheTokenStaysHome) {
  LoopbackHttpServer elsewhere;
  std::atomic<int> elsewhere_hits{0};
  elsewhere.server().Get("/loot", [&](const httplib::Request&, httplib::Response& res) {
    ++elsewhere_hits;
    res.set_content("loot", "text/plain");
  });
  elsewhere.Start();
  std::mutex mu;
  std::string auth_seen;  // guarded by mu
  server_.server().Get("/old", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu);
    auth_seen = req.get_header_value("Authorization");
    res.set_redirect(elsewhere.url("/loot"), 307);
  });
  server_.Start();

  HttpRequest req = Get(server_.url("/old"));
  req.headers = {{"Authorization", "Bearer s3cret"}};
  Collected got;
  Result<HttpResponse> r = client_.Send(req, got.Sink());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 307);
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(auth_seen, "Bearer s3cret");
  }
  EXPECT_EQ(elsewhere_hits.load(), 0);
}

TEST_F(CurlHttpClientTest, ServerClosingMidBodyIsARetryableUnavailableNamingTheUrl) {
  const std::string body = PseudoRandomBytes(1000, 11);
  server_.server().Get("/data", [body](const httplib::Request&, httplib::Response& res) {
    // Promises 1000 bytes, sends 100, then gives up: httplib closes the connection.
    res.set_content_provider(body.size(), "application/octet-stream",
                             // By value: the server thread may still be in send() when the
                             // test's locals are destroyed.
                             [body](size_t offset, size_t, httplib::DataSink& sink) {
                               if (offset >= 100) return false;
                               sink.write(body.data(), 100);
                               return true;
                             });
  });
  server_.Start();

  Collected got;
  const std::string url = server_.url("/data");
  Result<HttpResponse> r = client_.Send(Get(url), got.Sink());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(r.status().retryable());
  EXPECT_EQ(r.status().message().rfind("GET " + url + ": ", 0), 0u) << r.status().message();
  EXPECT_TRUE(got.bytes == body.substr(0, 100))
      << got.bytes.size() << " bytes; the prefix reaches the sink (to resume from)";
}

TEST_F(CurlHttpClientTest, ConnectionRefusedIsARetryableUnavailable) {
  // A bound socket that never listens: connections to its port are refused, and no other
  // process can take the port while we hold it.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/x";

  Collected got;
  Result<HttpResponse> r = client_.Send(Get(url), got.Sink());
  close(fd);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(r.status().retryable());
  EXPECT_EQ(r.status().message().rfind("GET " + url + ": ", 0), 0u) << r.status().message();
  EXPECT_EQ(got.chunks, 0);
}

TEST_F(CurlHttpClientTest, SinkErrorAbortsAndIsReturnedUnchanged) {
  const std::string body = PseudoRandomBytes(4 << 20, 13);
  server_.server().Get("/data", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(body, "application/octet-stream");
  });
  server_.Start();

  int calls = 0;
  Result<HttpResponse> r =
      client_.Send(Get(server_.url("/data")), [&](const HttpResponse&, std::string_view) {
        ++calls;
        return Status::NoSpace("write /ws/x.parquet: No space left on device");
      });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNoSpace);
  EXPECT_EQ(r.status().message(), "write /ws/x.parquet: No space left on device");
  EXPECT_FALSE(r.status().retryable());
  EXPECT_EQ(calls, 1);

  // The handle that aborted is healthy for the next request.
  Collected got;
  r = client_.Send(Get(server_.url("/data")), got.Sink());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(got.bytes == body);
}

TEST_F(CurlHttpClientTest, ConcurrentRequestsShareTheClientAndReuseConnections) {
  constexpr int kThreads = 8;
  constexpr int kRequestsPerThread = 50;
  std::mutex mu;
  std::set<int> client_ports;  // one per TCP connection the server accepted
  int served = 0;
  server_.server().Get(R"(/item/(\d+))", [&](const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard<std::mutex> lock(mu);
      client_ports.insert(req.remote_port);
      ++served;
    }
    res.set_content("item " + req.matches[1].str(), "text/plain");
  });
  server_.Start();

  std::atomic<int> ok{0};
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRequestsPerThread; ++i) {
        const std::string id = std::to_string(t * 1000 + i);
        Collected got;
        Result<HttpResponse> r = client_.Send(Get(server_.url("/item/" + id)), got.Sink());
        if (!r.ok() || r->status != 200 || got.bytes != "item " + id) {
          failures[t] = r.ok() ? "status " + std::to_string(r->status) + " body " + got.bytes
                               : r.status().ToString();
          return;
        }
        ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();

  for (const std::string& f : failures) EXPECT_EQ(f, "");
  EXPECT_EQ(ok.load(), kThreads * kRequestsPerThread);
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(served, kThreads * kRequestsPerThread);
  // Each in-flight request holds one handle, and each handle keeps its connection: about
  // one connection per thread, far fewer than one per request.
  EXPECT_LE(client_.handles_created(), static_cast<size_t>(kThreads));
  EXPECT_LT(client_ports.size(), static_cast<size_t>(kThreads * kRequestsPerThread / 10));
  EXPECT_EQ(client_.connections_opened(), client_ports.size());
}

TEST_F(CurlHttpClientTest, StallTimeoutFiresWhenThePeerGoesSilent) {
  // The handler sends headers and 3 bytes, then waits (for the test to release it, bounded)
  // without sending anything more.
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  server_.server().Get("/stall", [&](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider(
        "application/octet-stream", [&](size_t offset, httplib::DataSink& sink) {
          if (offset == 0) {
            sink.write("abc", 3);
            return true;
          }
          std::unique_lock<std::mutex> lock(mu);
          cv.wait_for(lock, std::chrono::seconds(20), [&] { return release; });
          return false;
        });
  });
  server_.Start();
  // On every exit: release the handler, then stop the server (joining its threads) while
  // the locals the handler uses are still alive.
  struct Releaser {
    std::mutex& mu;
    std::condition_variable& cv;
    bool& release;
    LoopbackHttpServer& server;
    ~Releaser() {
      {
        std::lock_guard<std::mutex> lock(mu);
        release = true;
        cv.notify_all();
      }
      server.Stop();
    }
  } releaser{mu, cv, release, server_};

  HttpRequest req = Get(server_.url("/stall"));
  req.stall_timeout_ms = 1000;
  Collected got;
  const auto start = std::chrono::steady_clock::now();
  Result<HttpResponse> r = client_.Send(req, got.Sink());
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(r.status().retryable());
  EXPECT_EQ(r.status().message(), "GET " + req.url + ": the peer stalled: no byte moved for 1 s");
  EXPECT_EQ(got.bytes, "abc");
  EXPECT_EQ(got.status_at_first_chunk, 200);
  // Not before the stall timeout; how soon after it depends on the machine's load, so no
  // upper bound here (the message above names the 1 s that was applied).
  EXPECT_GE(elapsed, std::chrono::milliseconds(900));
  std::cerr << "stall detected after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms\n";
}

TEST_F(CurlHttpClientTest, MethodsHeadersAndBodiesReachTheServer) {
  std::mutex mu;
  std::vector<std::string> seen;
  auto record = [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back(req.method + " " + req.path + " auth=" + req.get_header_value("Authorization") +
                   " type=" + req.get_header_value("Content-Type") + " body=" + req.body);
    res.set_content("ok " + req.method, "text/plain");
  };
  server_.server().Put("/obj", record);
  server_.server().Post("/obj", record);
  server_.server().Delete("/obj", record);
  server_.server().Get("/obj", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content("0123456789", "text/plain");
  });
  server_.Start();

  const std::string url = server_.url("/obj");
  for (const char* method : {"PUT", "POST", "DELETE"}) {
    HttpRequest req = Get(url);
    req.method = method;
    req.headers = {{"Authorization", "Bearer t0k"}};
    if (std::string(method) == "POST") req.headers.push_back({"Content-Type", "application/json"});
    if (std::string(method) != "DELETE") req.body = std::string("{\"m\":\"") + method + "\"}";
    Collected got;
    Result<HttpResponse> r = client_.Send(req, got.Sink());
    ASSERT_TRUE(r.ok()) << method << ": " << r.status().ToString();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(got.bytes, std::string("ok ") + method);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{
                      "PUT /obj auth=Bearer t0k type=application/octet-stream body={\"m\":\"PUT\"}",
                      "POST /obj auth=Bearer t0k type=application/json body={\"m\":\"POST\"}",
                      "DELETE /obj auth=Bearer t0k type= body="}));

  HttpRequest head = Get(url);
  head.method = "HEAD";
  Collected got;
  Result<HttpResponse> r = client_.Send(head, got.Sink());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-length"), "10");
  EXPECT_EQ(got.chunks, 0);
}

TEST_F(CurlHttpClientTest, SendAndCollectCapsTheBody) {
  const std::string body = PseudoRandomBytes(2 << 20, 17);
  server_.server().Get("/big", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(body, "application/octet-stream");
  });
  server_.Start();

  const std::string url = server_.url("/big");
  Result<HttpResponse> r = SendAndCollect(&client_, Get(url), body.size());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->body == body);

  r = SendAndCollect(&client_, Get(url), 1 << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "response body of " + url + " exceeds 1048576 bytes");
}

TEST_F(CurlHttpClientTest, NoSinkCollectsTheBodyIntoTheResponse) {
  server_.server().Get("/small", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content("tiny", "text/plain");
  });
  server_.Start();
  Result<HttpResponse> r = client_.Send(Get(server_.url("/small")), nullptr);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "tiny");
}

// accept_compressed (manifests, bundles): the codings libcurl decodes are offered and the
// sink sees the decoded text; the next request on the same (reset) handle offers none again.
TEST_F(CurlHttpClientTest, AcceptCompressedOffersCodingsAndDecodesTheBody) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "{\"table\":" + std::to_string(i) + "},";
  std::vector<std::string> offered;
  std::mutex mu;
  server_.server().Get("/manifest", [&](const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard<std::mutex> lock(mu);
      offered.push_back(req.has_header("Accept-Encoding") ? req.get_header_value("Accept-Encoding")
                                                          : "unset");
    }
    res.set_content(text, "application/json");  // httplib gzips it when offered
  });
  server_.Start();

  HttpRequest req = Get(server_.url("/manifest"));
  req.accept_compressed = true;
  Collected got;
  Result<HttpResponse> r = client_.Send(req, got.Sink());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->header("content-encoding") == "gzip" || r->header("content-encoding") == "br")
      << r->header("content-encoding");
  EXPECT_LT(std::stoul(r->header("content-length")), text.size() / 4);
  EXPECT_TRUE(got.bytes == text) << got.bytes.size() << " bytes";

  Collected plain;
  r = client_.Send(Get(server_.url("/manifest")), plain.Sink());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->header("content-encoding"), "");
  EXPECT_TRUE(plain.bytes == text);
  ASSERT_EQ(offered.size(), 2u);
  EXPECT_NE(offered[0].find("gzip"), std::string::npos) << offered[0];
  EXPECT_EQ(offered[1], "unset");
}

}  // namespace
}  // namespace ferry
