// The Downloader with its real client (libcurl) against a real HTTP server on loopback: the
// number of connections the server sees, counted server-side by the client's port, never
// passes the concurrency cap, and connections are reused from table to table.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/file_util.h"
#include "ferry/env.h"
#include "net/curl_http_client.h"
#include "pull/downloader.h"
#include "store/digest_cache.h"
#include "store/workspace_layout.h"
#include "support/digests.h"
#include "support/loopback_http_server.h"
#include "support/temp_dir.h"

namespace ferry::pull {
namespace {

using ferry::testing::LoopbackHttpServer;
using ferry::testing::Md5Hex;
using ferry::testing::TempDir;

constexpr int kTables = 60;
constexpr int kCap = 6;

std::string Bytes(int i) {
  return "PAR1" + std::string(static_cast<size_t>(2000 + i * 13), static_cast<char>('a' + i % 26)) +
         "PAR1";
}

// What the server saw: the connections (client ports), and the most requests it was serving
// at once.
struct ServerSide {
  std::mutex mu;
  std::set<int> ports;
  int requests = 0;
  int serving = 0;
  int max_serving = 0;
};

class DownloaderLoopbackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.server().Get(
        R"(/t/(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
          {
            std::lock_guard<std::mutex> lock(seen_.mu);
            seen_.ports.insert(req.remote_port);
            ++seen_.requests;
            seen_.max_serving = std::max(seen_.max_serving, ++seen_.serving);
          }
          // Each table costs the server 10 ms, like a short round trip: throughput follows the
          // number in flight, so the controller raises the level to the cap.
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
          res.set_content(Bytes(std::stoi(req.matches[1])), "application/octet-stream");
          std::lock_guard<std::mutex> lock(seen_.mu);
          --seen_.serving;
        });
    server_.Start();
  }

  std::vector<FetchAction> Fetches(const WorkspaceLayout& layout) const {
    std::vector<FetchAction> fetches;
    for (int i = 0; i < kTables; ++i) {
      FetchAction f;
      f.table_id = "tbl_" + std::to_string(i);
      f.md5 = Md5Hex(Bytes(i));
      f.size_bytes = Bytes(i).size();
      f.url = server_.url("/t/" + std::to_string(i));
      f.shared_path = layout.shared_path(f.table_id);
      f.display_name = f.table_id;
      fetches.push_back(f);
    }
    return fetches;
  }

  ServerSide seen_;
  LoopbackHttpServer server_;
  TempDir dir_;
};

TEST_F(DownloaderLoopbackTest, AdaptiveDownloadsReachTheCapAndNeverOpenMoreConnections) {
  Env* env = Env::Default();
  WorkspaceLayout layout(dir_.path());
  DigestCache cache(env, layout.digests_path());
  DownloadOptions o;
  o.adaptive = true;
  o.cap = kCap;
  auto http = std::make_unique<CurlHttpClient>("ferry-test");
  Downloader downloader(env, http.get(), layout, &cache, o);

  std::vector<FetchAction> fetches = Fetches(layout);
  std::vector<Status> results = downloader.FetchAll(fetches);

  for (int i = 0; i < kTables; ++i) {
    ASSERT_TRUE(results[i].ok()) << results[i].ToString();
    Result<std::string> got = ReadFileToString(env, fetches[i].shared_path, 1 << 20);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, Bytes(i));
  }
  // The level rose from 4 to the cap (10 ms a table: more in flight, more throughput)...
  EXPECT_EQ(downloader.peak_in_flight(), kCap);
  // ...and the server never had more than the cap of connections or requests: each table
  // after the first few rode a kept-alive connection.
  std::lock_guard<std::mutex> lock(seen_.mu);
  EXPECT_EQ(seen_.requests, kTables);
  EXPECT_LE(seen_.max_serving, kCap);
  EXPECT_LE(static_cast<int>(seen_.ports.size()), kCap);
  EXPECT_GE(static_cast<int>(seen_.ports.size()), 4);  // the starting level, at least
  EXPECT_EQ(http->connections_opened(), seen_.ports.size());
}

TEST_F(DownloaderLoopbackTest, FixedJobsKeepExactlyThatManyConnections) {
  Env* env = Env::Default();
  WorkspaceLayout layout(dir_.path());
  DigestCache cache(env, layout.digests_path());
  DownloadOptions o;
  o.jobs = 2;
  auto http = std::make_unique<CurlHttpClient>("ferry-test");
  Downloader downloader(env, http.get(), layout, &cache, o);

  std::vector<FetchAction> fetches = Fetches(layout);
  fetches.resize(16);
  std::vector<Status> results = downloader.FetchAll(fetches);
  for (const Status& s : results) ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(downloader.peak_in_flight(), 2);
  std::lock_guard<std::mutex> lock(seen_.mu);
  EXPECT_EQ(seen_.requests, 16);
  EXPECT_LE(seen_.max_serving, 2);
  EXPECT_LE(static_cast<int>(seen_.ports.size()), 2);
}

// A download's slot (and connection) is given back once its bytes are in and verified, before
// the install's fsync and rename, so a slow disk never holds a connection idle; a download
// that fails never reports its bytes in.
TEST_F(DownloaderLoopbackTest, TheNetworkIsDoneBeforeTheInstallAndNotAtAllOnAFailure) {
  Env* env = Env::Default();
  WorkspaceLayout layout(dir_.path());
  DigestCache cache(env, layout.digests_path());
  DownloadOptions o;
  o.jobs = 1;
  o.verify_attempts = 1;
  auto http = std::make_unique<CurlHttpClient>("ferry-test");
  Downloader downloader(env, http.get(), layout, &cache, o);
  std::vector<FetchAction> fetches = Fetches(layout);

  int calls = 0;
  bool installed_at_call = true;
  uint64_t bytes_at_call = 0;
  Status s = downloader.Fetch(fetches[3], [&](uint64_t bytes) {
    ++calls;
    bytes_at_call = bytes;
    installed_at_call = env->LinkStat(fetches[3].shared_path).ok();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(bytes_at_call, Bytes(3).size());
  EXPECT_FALSE(installed_at_call);
  EXPECT_TRUE(env->LinkStat(fetches[3].shared_path).ok());

  FetchAction wrong = fetches[4];
  wrong.md5 = Md5Hex("something else");
  calls = 0;
  s = downloader.Fetch(wrong, [&](uint64_t) { ++calls; });
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(calls, 0);
  EXPECT_FALSE(env->LinkStat(wrong.shared_path).ok());
}

}  // namespace
}  // namespace ferry::pull
