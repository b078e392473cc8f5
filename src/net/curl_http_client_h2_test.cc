// CurlHttpClient's https:// path (one curl_multi handle, net/curl_multi_driver.h) against a
// real nginx speaking TLS and HTTP/2 on loopback (tests/support/nginx_tls_server.h), with a
// self-signed certificate the client is told to trust. nginx's access log says, per request,
// which protocol carried it and on which client connection, so multiplexing is observed at
// the server, not inferred from the client's own counters.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <latch>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "net/curl_http_client.h"
#include "support/file_contents.h"
#include "support/loopback_http_server.h"
#include "support/nginx_tls_server.h"
#include "support/temp_dir.h"

namespace ferry {
namespace {

using ::ferry::testing::LoopbackHttpServer;
using ::ferry::testing::NginxLogEntry;
using ::ferry::testing::NginxTlsOptions;
using ::ferry::testing::NginxTlsServer;
using ::ferry::testing::TempDir;
using ::ferry::testing::WriteFile;

std::string PseudoRandomBytes(size_t n, uint32_t seed) {
  std::string out(n, '\0');
  uint32_t x = seed;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1664525u + 1013904223u;
    out[i] = static_cast<char>(x >> 24);
  }
  return out;
}

HttpRequest Get(const std::string& url) {
  HttpRequest req;
  req.url = url;
  return req;
}

// nginx logs a request after its last byte went out, so the client can be ahead of the log.
constexpr std::chrono::seconds kLogDeadline(20);

std::set<long long> Connections(const std::vector<NginxLogEntry>& log) {
  std::set<long long> c;
  for (const NginxLogEntry& e : log) c.insert(e.connection);
  return c;
}

// nginx serving `files` (name -> bytes) over TLS, h2 unless told otherwise.
class CurlHttpClientH2Test : public ::testing::Test {
 protected:
  void ServeFiles(const std::vector<std::string>& bodies, bool http2 = true) {
    for (size_t i = 0; i < bodies.size(); ++i) {
      ASSERT_TRUE(WriteFile(root_.Join("t" + std::to_string(i)), bodies[i]));
    }
    NginxTlsOptions o;
    o.static_root = root_.path();
    o.http2 = http2;
    std::string error;
    ASSERT_TRUE(nginx_.Start(o, &error)) << error;
  }
  HttpClientOptions Trusting() const {
    HttpClientOptions o;
    o.user_agent = "ferry-test/1.0";
    o.ca_bundle = nginx_.ca_file();
    return o;
  }

  TempDir root_;
  NginxTlsServer nginx_;
};

// Issue 14: concurrent requests to one h2 server are streams of one connection, and each
// body reaches its sink whole, on the thread that called Send.
TEST_F(CurlHttpClientH2Test, ConcurrentSendsFromManyThreadsShareOneHttp2Connection) {
  constexpr int kThreads = 32;
  std::vector<std::string> bodies;
  for (int i = 0; i < kThreads; ++i) {
    bodies.push_back(PseudoRandomBytes((i % 4 == 0 ? 3 << 20 : 200 << 10) + i, 100 + i));
  }
  ServeFiles(bodies);
  CurlHttpClient client(Trusting());

  std::latch start(kThreads);
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      const std::thread::id me = std::this_thread::get_id();
      std::string got;
      bool sink_on_caller_thread = true;
      int status_at_first_chunk = 0;
      start.arrive_and_wait();  // all at once: the most a pull can ask of one connection
      Result<HttpResponse> r = client.Send(
          Get(nginx_.url("/t" + std::to_string(i))),
          [&](const HttpResponse& head, std::string_view chunk) {
            if (got.empty()) status_at_first_chunk = head.status;
            sink_on_caller_thread = sink_on_caller_thread && std::this_thread::get_id() == me;
            got.append(chunk);
            return Status::OK();
          });
      if (!r.ok()) {
        failures[i] = r.status().ToString();
      } else if (r->status != 200 || status_at_first_chunk != 200 || got != bodies[i]) {
        failures[i] = "status " + std::to_string(r->status) + ", " + std::to_string(got.size()) +
                      " of " + std::to_string(bodies[i].size()) + " bytes";
      } else if (r->header("content-length") != std::to_string(bodies[i].size())) {
        failures[i] = "content-length " + r->header("content-length");
      } else if (!sink_on_caller_thread) {
        failures[i] = "the sink ran on another thread than Send's";
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) EXPECT_EQ(failures[i], "") << "/t" << i;

  const std::vector<NginxLogEntry> log = nginx_.WaitForAccessLog(kThreads, kLogDeadline);
  ASSERT_EQ(log.size(), static_cast<size_t>(kThreads));
  for (const NginxLogEntry& e : log) EXPECT_EQ(e.protocol, "HTTP/2.0") << e.uri;
  // CURLOPT_PIPEWAIT: the transfers that start while the first connection is being set up
  // wait for it and become its streams (nginx allows 128 at once), so exactly one.
  EXPECT_EQ(Connections(log).size(), 1u);
  EXPECT_EQ(client.connections_opened(), 1u);
}

// The sink hashes and writes to disk: one slow (here: stopped) consumer must not hold the
// driver, so the other transfers, streams of the same connection, still complete. Its own
// transfer is paused meanwhile (bounded memory) and resumes byte-exact.
TEST_F(CurlHttpClientH2Test, AStoppedSinkPausesItsTransferWhileTheOthersComplete) {
  constexpr int kOthers = 8;
  std::vector<std::string> bodies;
  bodies.push_back(PseudoRandomBytes(16 << 20, 1));  // /t0: the slow consumer's
  for (int i = 1; i <= kOthers; ++i) bodies.push_back(PseudoRandomBytes(1 << 20, 1 + i));
  ServeFiles(bodies);
  CurlHttpClient client(Trusting());

  std::mutex mu;
  std::condition_variable cv;
  int others_done = 0;        // guarded by mu
  bool slow_started = false;  // guarded by mu
  std::string slow_got;
  std::string slow_error;
  std::thread slow([&] {
    Result<HttpResponse> r = client.Send(Get(nginx_.url("/t0")), [&](const HttpResponse&,
                                                                     std::string_view chunk) {
      if (slow_got.empty()) {
        // Stop here until every other download is done (bounded: a failure, not a hang).
        std::unique_lock<std::mutex> lock(mu);
        slow_started = true;
        cv.notify_all();
        if (!cv.wait_for(lock, std::chrono::seconds(60), [&] { return others_done == kOthers; })) {
          return Status::Internal(
              "the other downloads did not finish while this sink "
              "was stopped");
        }
      }
      slow_got.append(chunk);
      return Status::OK();
    });
    if (!r.ok()) slow_error = r.status().ToString();
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(60), [&] { return slow_started; }));
  }
  std::vector<std::thread> others;
  std::vector<std::string> failures(kOthers + 1);
  for (int i = 1; i <= kOthers; ++i) {
    others.emplace_back([&, i] {
      HttpRequest req = Get(nginx_.url("/t" + std::to_string(i)));
      Result<HttpResponse> r = SendAndCollect(&client, req, 2 << 20);
      if (!r.ok()) {
        failures[i] = r.status().ToString();
      } else if (r->body != bodies[i]) {
        failures[i] = std::to_string(r->body.size()) + " bytes";
      }
      std::lock_guard<std::mutex> lock(mu);
      ++others_done;
      cv.notify_all();
    });
  }
  for (auto& t : others) t.join();
  slow.join();
  for (int i = 1; i <= kOthers; ++i) EXPECT_EQ(failures[i], "") << "/t" << i;
  EXPECT_EQ(slow_error, "");
  EXPECT_TRUE(slow_got == bodies[0]) << slow_got.size() << " bytes";
  const std::vector<NginxLogEntry> log = nginx_.WaitForAccessLog(kOthers + 1, kLogDeadline);
  ASSERT_EQ(log.size(), static_cast<size_t>(kOthers + 1));
  EXPECT_EQ(Connections(log).size(), 1u);
}

TEST_F(CurlHttpClientH2Test, ASinkErrorAbortsOnlyItsOwnStream) {
  constexpr int kThreads = 8;
  std::vector<std::string> bodies;
  for (int i = 0; i < kThreads; ++i) bodies.push_back(PseudoRandomBytes(4 << 20, 50 + i));
  ServeFiles(bodies);
  CurlHttpClient client(Trusting());

  std::latch start(kThreads);
  std::vector<std::string> failures(kThreads);
  Status aborted;
  int aborted_calls = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      const std::string url = nginx_.url("/t" + std::to_string(i));
      if (i == 3) {
        Result<HttpResponse> r = client.Send(Get(url), [&](const HttpResponse&, std::string_view) {
          ++aborted_calls;
          return Status::NoSpace("write /ws/t3.parquet: No space left on device");
        });
        aborted = r.ok() ? Status::OK() : r.status();
        return;
      }
      Result<HttpResponse> r = SendAndCollect(&client, Get(url), 8 << 20);
      if (!r.ok()) {
        failures[i] = r.status().ToString();
      } else if (r->body != bodies[i]) {
        failures[i] = std::to_string(r->body.size()) + " bytes";
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) EXPECT_EQ(failures[i], "") << "/t" << i;
  EXPECT_EQ(aborted.code(), StatusCode::kNoSpace);
  EXPECT_EQ(aborted.message(), "write /ws/t3.parquet: No space left on device");
  EXPECT_FALSE(aborted.retryable());
  EXPECT_EQ(aborted_calls, 1);

  // The aborted stream was reset, not its connection: the next request rides on it too.
  Result<HttpResponse> again = SendAndCollect(&client, Get(nginx_.url("/t3")), 8 << 20);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->body == bodies[3]);
  EXPECT_EQ(client.connections_opened(), 1u);
  // kThreads + 1 requests, the aborted one included (nginx logs a reset stream too).
  EXPECT_EQ(Connections(nginx_.WaitForAccessLog(kThreads + 1, kLogDeadline)).size(), 1u);
}

// Range, HEAD, collecting without a sink and lowercased headers, over h2.
TEST_F(CurlHttpClientH2Test, RangeHeadAndCollectBehaveAsOverHttp1) {
  const std::string body = PseudoRandomBytes(10000, 3);
  ServeFiles({body});
  CurlHttpClient client(Trusting());
  const std::string url = nginx_.url("/t0");

  HttpRequest req = Get(url);
  req.range_first = 100;
  req.range_last = 199;
  std::string got;
  Result<HttpResponse> r = client.Send(req, [&](const HttpResponse&, std::string_view chunk) {
    got.append(chunk);
    return Status::OK();
  });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 206);
  EXPECT_EQ(r->header("content-range"), "bytes 100-199/10000");
  EXPECT_EQ(got, body.substr(100, 100));

  HttpRequest head = Get(url);
  head.method = "HEAD";
  int chunks = 0;
  r = client.Send(head, [&](const HttpResponse&, std::string_view) {
    ++chunks;
    return Status::OK();
  });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-length"), "10000");
  EXPECT_EQ(chunks, 0);

  r = client.Send(Get(url), nullptr);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->body == body);

  r = client.Send(Get(nginx_.url("/missing")), nullptr);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 404);

  r = SendAndCollect(&client, Get(url), 5000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "response body of " + url + " exceeds 5000 bytes");
  const std::vector<NginxLogEntry> log = nginx_.WaitForAccessLog(5, kLogDeadline);
  EXPECT_EQ(log.size(), 5u);
  for (const NginxLogEntry& e : log) EXPECT_EQ(e.protocol, "HTTP/2.0");
}

// --cacert's reason to exist: without the CA, the self-signed server is refused.
TEST_F(CurlHttpClientH2Test, AServerWhoseCertificateIsNotTrustedIsRefused) {
  ServeFiles({"x"});
  CurlHttpClient client("ferry-test/1.0");  // the system's CA store only
  const std::string url = nginx_.url("/t0");
  Result<HttpResponse> r = client.Send(Get(url), nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message().rfind("GET " + url + ": ", 0), 0u) << r.status().message();
  EXPECT_NE(r.status().message().find("SSL certificate problem"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find(
                "(a server with a private CA needs its certificate: --cacert FILE or "
                "$FERRY_CA_BUNDLE)"),
            std::string::npos)
      << r.status().message();
  EXPECT_FALSE(r.status().retryable()) << "the same certificate fails every retry";
  EXPECT_TRUE(nginx_.AccessLog().empty());
}

// A TLS server without h2 (ALPN offers http/1.1 only): the multi path falls back to
// keep-alive connections, at most one per request in flight, reused across requests.
TEST_F(CurlHttpClientH2Test, AnHttp1OnlyTlsServerGetsReusedKeepAliveConnections) {
  constexpr int kThreads = 8;
  constexpr int kRequestsPerThread = 20;
  std::vector<std::string> bodies;
  for (int i = 0; i < kThreads; ++i) bodies.push_back(PseudoRandomBytes(20000, 7 + i));
  ServeFiles(bodies, /*http2=*/false);
  CurlHttpClient client(Trusting());

  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRequestsPerThread; ++i) {
        Result<HttpResponse> r =
            SendAndCollect(&client, Get(nginx_.url("/t" + std::to_string(t))), 1 << 20);
        if (!r.ok() || r->body != bodies[t]) {
          failures[t] = r.ok() ? std::to_string(r->body.size()) + " bytes" : r.status().ToString();
          return;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], "") << t;
  const std::vector<NginxLogEntry> log =
      nginx_.WaitForAccessLog(kThreads * kRequestsPerThread, kLogDeadline);
  ASSERT_EQ(log.size(), static_cast<size_t>(kThreads * kRequestsPerThread));
  for (const NginxLogEntry& e : log) EXPECT_EQ(e.protocol, "HTTP/1.1");
  EXPECT_LE(Connections(log).size(), static_cast<size_t>(kThreads));
  EXPECT_EQ(client.connections_opened(), Connections(log).size());
}

// nginx in front of an HTTP/1.1 upstream, as docs/DESIGN.md sets it up for `ferry serve`.
class CurlHttpClientH2ProxyTest : public ::testing::Test {
 protected:
  void StartProxy() {
    upstream_.Start();
    NginxTlsOptions o;
    o.proxy_to = upstream_.url("");
    std::string error;
    ASSERT_TRUE(nginx_.Start(o, &error)) << error;
  }

  LoopbackHttpServer upstream_;
  NginxTlsServer nginx_;
};

TEST_F(CurlHttpClientH2ProxyTest, StallTimeoutFiresOnTheMultiPath) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  upstream_.server().Get("/stall", [&](const httplib::Request&, httplib::Response& res) {
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
  StartProxy();
  // On every exit: release the handler, then stop nginx and the upstream while the locals
  // the handler uses are still alive.
  struct Releaser {
    std::mutex& mu;
    std::condition_variable& cv;
    bool& release;
    NginxTlsServer& nginx;
    LoopbackHttpServer& upstream;
    ~Releaser() {
      {
        std::lock_guard<std::mutex> lock(mu);
        release = true;
        cv.notify_all();
      }
      nginx.Stop();
      upstream.Stop();
    }
  } releaser{mu, cv, release, nginx_, upstream_};

  HttpClientOptions o;
  o.ca_bundle = nginx_.ca_file();
  CurlHttpClient client(o);
  HttpRequest req = Get(nginx_.url("/stall"));
  req.stall_timeout_ms = 1000;
  std::string got;
  const auto start = std::chrono::steady_clock::now();
  Result<HttpResponse> r = client.Send(req, [&](const HttpResponse&, std::string_view chunk) {
    got.append(chunk);
    return Status::OK();
  });
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(r.status().retryable());
  EXPECT_EQ(r.status().message(), "GET " + req.url + ": the peer stalled: no byte moved for 1 s");
  EXPECT_EQ(got, "abc");
  EXPECT_GE(elapsed, std::chrono::milliseconds(900));  // no upper bound: load is not a bug
  std::cerr << "stall detected after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms\n";
}

TEST_F(CurlHttpClientH2ProxyTest, UploadsHeadersAndRedirectsPassThroughUnchanged) {
  std::mutex mu;
  std::vector<std::string> seen;
  upstream_.server().Put("/obj", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back(req.method + " auth=" + req.get_header_value("Authorization") +
                   " type=" + req.get_header_value("Content-Type") + " body=" + req.body);
    res.set_header("X-Mixed-Case", "v");
    res.set_content("ok", "text/plain");
  });
  upstream_.server().Get("/old", [&](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("https://elsewhere.invalid/new", 302);
  });
  StartProxy();
  HttpClientOptions o;
  o.ca_bundle = nginx_.ca_file();
  CurlHttpClient client(o);

  HttpRequest put = Get(nginx_.url("/obj"));
  put.method = "PUT";
  put.headers = {{"Authorization", "Bearer t0k"}};
  put.body = "{\"m\":\"PUT\"}";
  Result<HttpResponse> r = SendAndCollect(&client, put, 100);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok");
  EXPECT_EQ(r->header("x-mixed-case"), "v");
  EXPECT_EQ(seen, (std::vector<std::string>{
                      "PUT auth=Bearer t0k type=application/octet-stream body={\"m\":\"PUT\"}"}));

  r = SendAndCollect(&client, Get(nginx_.url("/old")), 100);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 302);
  EXPECT_EQ(r->header("location"), "https://elsewhere.invalid/new");
  const std::vector<NginxLogEntry> log = nginx_.WaitForAccessLog(2, kLogDeadline);
  EXPECT_EQ(log.size(), 2u);
  for (const NginxLogEntry& e : log) EXPECT_EQ(e.protocol, "HTTP/2.0");
}

// accept_compressed over h2: the upstream gzips (httplib does when offered), nginx passes it
// through, and the sink sees the decoded text.
TEST_F(CurlHttpClientH2ProxyTest, AcceptCompressedDecodesOverHttp2) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "{\"table\":" + std::to_string(i) + "},";
  upstream_.server().Get("/manifest", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(text, "application/json");
  });
  StartProxy();
  HttpClientOptions o;
  o.ca_bundle = nginx_.ca_file();
  CurlHttpClient client(o);
  HttpRequest req = Get(nginx_.url("/manifest"));
  req.accept_compressed = true;
  Result<HttpResponse> r = SendAndCollect(&client, req, 1 << 20);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NE(r->header("content-encoding"), "");
  EXPECT_TRUE(r->body == text) << r->body.size() << " bytes";
  const std::vector<NginxLogEntry> log = nginx_.WaitForAccessLog(1, kLogDeadline);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].protocol, "HTTP/2.0");
}

// One client, a plain http:// server and an https:// one, requests alternating: each path
// keeps its one connection (a pull whose catalog and object store differ in scheme).
TEST_F(CurlHttpClientH2ProxyTest, AlternatingHttpAndHttpsKeepOneConnectionEach) {
  std::mutex mu;
  std::set<int> direct_ports;  // guarded by mu
  upstream_.server().Get("/direct", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu);
    direct_ports.insert(req.remote_port);
    res.set_content("direct", "text/plain");
  });
  upstream_.server().Get("/via", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content("via", "text/plain");
  });
  StartProxy();
  HttpClientOptions o;
  o.ca_bundle = nginx_.ca_file();
  CurlHttpClient client(o);
  for (int i = 0; i < 10; ++i) {
    Result<HttpResponse> r = SendAndCollect(&client, Get(upstream_.url("/direct")), 100);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->body, "direct");
    r = SendAndCollect(&client, Get(nginx_.url("/via")), 100);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->body, "via");
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(direct_ports.size(), 1u);
  }
  EXPECT_EQ(Connections(nginx_.WaitForAccessLog(10, kLogDeadline)).size(), 1u);
  EXPECT_EQ(client.connections_opened(), 2u);
}

}  // namespace
}  // namespace ferry
