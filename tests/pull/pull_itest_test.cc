// `ferry pull` end to end: the real binary (FERRY_BINARY) against a catalog server on loopback
// (cpp-httplib) that speaks docs/PROTOCOL.md, quirks included (no parquet_url, 405 to HEAD),
// and misbehaves on demand: dies mid-download, answers 500 then 200, serves wrong bytes,
// refuses the token.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "base/hasher.h"
#include "store/workspace_layout.h"
#include "store/workspace_lock.h"
#include "support/digests.h"
#include "support/file_contents.h"
#include "support/loopback_http_server.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace ferry {
namespace {

using nlohmann::json;

using testing::Md5Hex;
using testing::ReadFile;

std::string Parquet(const std::string& id, int version, size_t size) {
  std::string body = "PAR1" + id + "v" + std::to_string(version);
  while (body.size() + 4 < size) body += static_cast<char>('a' + body.size() % 26);
  return body + "PAR1";
}

bool Exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

// The catalog server of PROTOCOL.md, scripted per test.
class FakeServer {
 public:
  FakeServer() {
    auto& s = http_.server();
    s.Get("/api/sync/manifest", [this](const httplib::Request& req, httplib::Response& res) {
      if (!Authorized(req, res)) return;
      std::lock_guard<std::mutex> l(mu_);
      res.set_content(manifest_.dump(), "application/json");
    });
    auto download = [this](const httplib::Request& req, httplib::Response& res) {
      if (req.method == "HEAD") {  // PROTOCOL.md quirk: HEAD is not supported
        ++heads_;
        res.status = 405;
        return;
      }
      if (!Authorized(req, res)) return;
      const std::string id = req.matches[1];
      {
        std::lock_guard<std::mutex> l(mu_);
        if (auto to = redirects_.find(id); to != redirects_.end()) {
          paths_.push_back(req.path);
          res.set_redirect(to->second, 302);
          return;
        }
        if (endless_.count(id)) {
          paths_.push_back(req.path);
          StreamEndlessly(res);
          return;
        }
      }
      std::string body;
      int fail_status = 0;
      size_t die_after = 0;
      {
        std::lock_guard<std::mutex> l(mu_);
        ranges_.push_back(req.get_header_value("Range"));
        paths_.push_back(req.path);
        if (!files_.count(id)) {
          res.status = 404;
          return;
        }
        body = wrong_.count(id) ? wrong_[id] : files_[id];
        if (!fail_statuses_.empty()) {
          fail_status = fail_statuses_.front();
          fail_statuses_.erase(fail_statuses_.begin());
        }
        if (die_requests_ > 0) {
          --die_requests_;
          die_after = die_after_;
        }
      }
      if (fail_status) {
        res.status = fail_status;
        res.set_content("try later", "text/plain");
        return;
      }
      res.set_header("ETag", "\"" + Md5Hex(body) + "\"");
      // httplib slices the provider's output for Range requests (206 + Content-Range).
      res.set_content_provider(
          body.size(), "application/octet-stream",
          [this, body, die_after](size_t offset, size_t length, httplib::DataSink& sink) {
            size_t n = length;
            if (die_after && n > die_after) n = die_after;
            sink.write(body.data() + offset, n);
            served_ += n;
            return !(die_after && n < length);  // false: drop the connection mid-body
          });
    };
    s.Get(R"(/api/data/([A-Za-z0-9_.-]+)/download)", download);
    s.Get(R"(/cdn/([A-Za-z0-9_.-]+))", download);
    s.Get("/api/memory/bundle", [this](const httplib::Request& req, httplib::Response& res) {
      if (!Authorized(req, res)) return;
      std::lock_guard<std::mutex> l(mu_);
      auto it = bundles_.find(req.get_param_value("domain"));
      if (it == bundles_.end()) {
        res.status = 404;
        return;
      }
      res.set_content(it->second, "text/markdown");
    });
    http_.Start();
  }

  std::string url() const { return http_.url(""); }

  void SetFile(const std::string& id, const std::string& bytes) {
    std::lock_guard<std::mutex> l(mu_);
    files_[id] = bytes;
    wrong_.erase(id);
  }
  void ServeWrongBytes(const std::string& id, const std::string& bytes) {
    std::lock_guard<std::mutex> l(mu_);
    wrong_[id] = bytes;
  }
  void SetBundle(const std::string& slug, const std::string& text) {
    std::lock_guard<std::mutex> l(mu_);
    bundles_[slug] = text;
  }
  void SetManifest(json m) {
    std::lock_guard<std::mutex> l(mu_);
    manifest_ = std::move(m);
  }
  void FailNext(std::vector<int> statuses) {
    std::lock_guard<std::mutex> l(mu_);
    fail_statuses_ = std::move(statuses);
  }
  void DieMidBody(int requests, size_t after_bytes) {
    std::lock_guard<std::mutex> l(mu_);
    die_requests_ = requests;
    die_after_ = after_bytes;
  }
  // Serves `id` as a body that does not end: chunked, kEndlessCap bytes at most (the test's
  // own bound), whatever the manifest announces.
  void ServeEndlessly(const std::string& id) {
    std::lock_guard<std::mutex> l(mu_);
    endless_.insert(id);
  }
  void RedirectTo(const std::string& id, const std::string& location) {
    std::lock_guard<std::mutex> l(mu_);
    redirects_[id] = location;
  }
  // True once an endless body was written out to its cap: the client read it all.
  bool endless_completed() const { return endless_completed_.load(); }
  std::vector<std::string> ranges() {
    std::lock_guard<std::mutex> l(mu_);
    return ranges_;
  }
  std::vector<std::string> paths() {
    std::lock_guard<std::mutex> l(mu_);
    return paths_;
  }
  uint64_t served() const { return served_.load(); }
  int heads() const { return heads_.load(); }

  json Entry(const std::string& id, const std::string& name) {
    std::lock_guard<std::mutex> l(mu_);
    // No parquet_url: the seed server never sends it (PROTOCOL.md quirk).
    return {{"id", id},
            {"name", name},
            {"hash", Md5Hex(files_[id])},
            {"md5", Md5Hex(files_[id])},
            {"size_bytes", files_[id].size()},
            {"query_mode", "local"},
            {"server_only", false}};
  }

 private:
  bool Authorized(const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("Authorization") == "Bearer good-token") return true;
    res.status = 401;
    res.set_content("bad token", "text/plain");
    return false;
  }

  static constexpr size_t kEndlessCap = size_t{32} << 20;

  void StreamEndlessly(httplib::Response& res) {
    res.status = 200;
    res.set_chunked_content_provider(
        "application/octet-stream", [this](size_t offset, httplib::DataSink& sink) {
          static const std::string chunk(size_t{64} << 10, 'x');
          if (offset >= kEndlessCap) {
            endless_completed_ = true;
            sink.done();
            return true;
          }
          return sink.write(chunk.data(), chunk.size());  // false: the client hung up
        });
  }

  testing::LoopbackHttpServer http_;
  std::mutex mu_;
  json manifest_;
  std::map<std::string, std::string> files_, wrong_, bundles_;
  std::vector<int> fail_statuses_;
  int die_requests_ = 0;
  size_t die_after_ = 0;
  std::vector<std::string> ranges_, paths_;
  std::set<std::string> endless_;
  std::map<std::string, std::string> redirects_;  // id -> Location
  std::atomic<bool> endless_completed_{false};
  std::atomic<uint64_t> served_{0};
  std::atomic<int> heads_{0};
};

// Another origin (another port on loopback): an object store or CDN that needs no token. It
// serves what it is given and records the Authorization header of every request ("" = none).
class OtherOrigin {
 public:
  OtherOrigin() {
    http_.server().Get(R"(/(.*))", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> l(mu_);
      auth_.push_back(req.get_header_value("Authorization"));
      auto it = objects_.find(req.path);
      if (it == objects_.end()) {
        res.status = 404;
        return;
      }
      res.set_content(it->second, "application/octet-stream");
    });
    http_.Start();
  }
  std::string url(const std::string& path) const { return http_.url(path); }
  void Put(const std::string& path, const std::string& bytes) {
    std::lock_guard<std::mutex> l(mu_);
    objects_[path] = bytes;
  }
  std::vector<std::string> auth() {
    std::lock_guard<std::mutex> l(mu_);
    return auth_;
  }

 private:
  testing::LoopbackHttpServer http_;
  std::mutex mu_;
  std::map<std::string, std::string> objects_;  // path -> bytes
  std::vector<std::string> auth_;
};

size_t CountOf(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Names under .ferry/partial ("" when none, or no such directory).
std::string PartialsLeft(const WorkspaceLayout& layout) {
  std::string names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(layout.partial_dir(), ec)) {
    names += e.path().filename().string() + " ";
  }
  return names;
}

struct RunResult {
  int exit_code = -1;
  std::string out, err;
};

class PullBinaryTest : public ::testing::Test {
 protected:
  PullBinaryTest() : ws_(tmp_.Join("ws")), layout_(ws_) {}

  RunResult Ferry(const std::string& args, const std::string& token = "good-token") {
    const char* bin = std::getenv("FERRY_BINARY");
    EXPECT_NE(bin, nullptr) << "FERRY_BINARY is not set";
    std::string cmd = "FERRY_TOKEN='" + token + "' HOME='" + tmp_.path() + "' '" +
                      (bin ? bin : "ferry") + "' " + args + " >'" + tmp_.Join("out") + "' 2>'" +
                      tmp_.Join("err") + "'";
    RunResult r;
    r.exit_code = testing::RunShell(cmd).exit_code;
    r.out = ReadFile(tmp_.Join("out"));
    r.err = ReadFile(tmp_.Join("err"));
    return r;
  }
  RunResult Pull(const std::string& extra = "", const std::string& token = "good-token") {
    return Ferry("pull --server " + server_.url() + " --workspace '" + ws_ + "' " + extra,
                 token);
  }

  void StandardStack() {
    server_.SetFile("orders", Parquet("orders", 1, 200000));
    server_.SetFile("fx", Parquet("fx", 1, 5000));
    server_.SetFile("cdn_only", Parquet("cdn_only", 1, 3000));
    server_.SetBundle("playbook", "# Playbook\n\n## Required\n");
    json cdn = server_.Entry("cdn_only", "remote_file");
    cdn["parquet_url"] = server_.url() + "/cdn/cdn_only";  // absolute URL (object store, CDN)
    server_.SetManifest(
        {{"server_time", "2026-08-22T14:41:14+00:00"},
         {"tables", json::object()},
         {"direct_tables", json::array({server_.Entry("fx", "fx_rates")})},
         {"data_packages",
          json::array({{{"id", "p1"}, {"slug", "sales"}, {"name", "Sales"},
                        {"tables", json::array({server_.Entry("orders", "orders"), cdn})}},
                       {{"id", "p2"}, {"slug", "finance"}, {"name", "Finance"},
                        {"tables", json::array({server_.Entry("orders", "orders"),
                                                server_.Entry("fx", "fx")})}}})},
         {"memory_domains", json::array({{{"slug", "playbook"}, {"name", "Playbook"},
                                          {"md5", "tok1"}, {"bundle_url",
                                          "/api/memory/bundle?domain=playbook"}}})}});
  }

  testing::TempDir tmp_;
  FakeServer server_;
  std::string ws_;
  WorkspaceLayout layout_;
};

TEST_F(PullBinaryTest, FullPullOverLoopbackThenNoOpRepull) {
  StandardStack();
  RunResult r = Pull("--json");
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  json j = json::parse(r.out);
  EXPECT_EQ(j["direct_tables"]["added"], 1);
  EXPECT_EQ(j["data_packages"]["added"], 4);
  EXPECT_EQ(j["memory_domains"]["added"], 1);
  for (const char* k : {"direct_tables", "data_packages", "memory_domains"}) {
    for (const char* f : {"added", "updated", "removed", "errors"}) {
      EXPECT_TRUE(j[k].contains(f)) << k << "." << f;
    }
  }
  EXPECT_TRUE(j["invariant_violations"].is_array());
  EXPECT_EQ(j["bytes_downloaded"], 200000 + 5000 + 3000);  // orders once for two packages
  EXPECT_TRUE(j["duration_s"].is_number());

  EXPECT_EQ(ReadFile(layout_.reference_path(layout_.package_dir("sales"), "orders")),
            Parquet("orders", 1, 200000));
  EXPECT_EQ(ReadFile(layout_.reference_path(layout_.package_dir("finance"), "fx")),
            Parquet("fx", 1, 5000));
  EXPECT_EQ(ReadFile(layout_.reference_path(layout_.package_dir("sales"), "remote_file")),
            Parquet("cdn_only", 1, 3000));
  EXPECT_EQ(ReadFile(layout_.bundle_path("playbook")), "# Playbook\n\n## Required\n");
  EXPECT_NE(ReadFile(layout_.views_sql_path()).find("CREATE OR REPLACE VIEW \"finance\".\"fx\""),
            std::string::npos);
  // The canonical is read-only.
  struct stat st;
  ASSERT_EQ(stat(layout_.shared_path("orders").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0444u);
  // parquet_url omitted -> the fallback; absolute parquet_url -> used as is; never a HEAD.
  std::vector<std::string> paths = server_.paths();
  EXPECT_EQ(std::count(paths.begin(), paths.end(), "/api/data/orders/download"), 1);
  EXPECT_EQ(std::count(paths.begin(), paths.end(), "/cdn/cdn_only"), 1);
  EXPECT_EQ(server_.heads(), 0);

  const size_t requests = server_.paths().size();
  RunResult again = Pull("--json");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  json k = json::parse(again.out);
  for (const char* t : {"direct_tables", "data_packages", "memory_domains"}) {
    EXPECT_EQ(k[t]["added"], 0);
    EXPECT_EQ(k[t]["updated"], 0);
    EXPECT_EQ(k[t]["removed"], 0);
  }
  EXPECT_EQ(k["bytes_downloaded"], 0);
  EXPECT_EQ(server_.paths().size(), requests);
}

TEST_F(PullBinaryTest, ServerThatDiesMidDownloadIsResumedWithRange) {
  const std::string big = Parquet("orders", 1, 300000);
  server_.SetFile("orders", big);
  server_.SetManifest({{"direct_tables", json::array({server_.Entry("orders", "orders")})},
                       {"data_packages", json::array()},
                       {"memory_domains", json::array()}});
  // Every attempt of the first run dies after 10000 bytes (4 attempts with backoff).
  server_.DieMidBody(4, 10000);
  RunResult first = Pull("--json");
  EXPECT_EQ(first.exit_code, 1) << first.err << first.out;
  EXPECT_FALSE(Exists(layout_.reference_path(layout_.direct_dir(), "orders")));
  std::vector<std::string> ranges = server_.ranges();
  ASSERT_EQ(ranges.size(), 4u);
  EXPECT_EQ(ranges[0], "");
  EXPECT_EQ(ranges[1], "bytes=10000-");
  EXPECT_EQ(ranges[3], "bytes=30000-");

  RunResult second = Pull("--json");
  ASSERT_EQ(second.exit_code, 0) << second.err << second.out;
  ranges = server_.ranges();
  ASSERT_EQ(ranges.size(), 5u);
  EXPECT_EQ(ranges[4], "bytes=40000-") << "the next pull resumes where the partial ends";
  EXPECT_EQ(server_.served(), big.size()) << "every byte crossed the wire exactly once";
  EXPECT_EQ(ReadFile(layout_.reference_path(layout_.direct_dir(), "orders")), big);
}

TEST_F(PullBinaryTest, ServerErrorThenSuccessIsRetried) {
  server_.SetFile("fx", Parquet("fx", 1, 4000));
  server_.SetManifest({{"direct_tables", json::array({server_.Entry("fx", "fx")})},
                       {"data_packages", json::array()},
                       {"memory_domains", json::array()}});
  server_.FailNext({500});
  RunResult r = Pull();
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_EQ(server_.paths().size(), 2u);
  EXPECT_EQ(ReadFile(layout_.reference_path(layout_.direct_dir(), "fx")), Parquet("fx", 1, 4000));
}

TEST_F(PullBinaryTest, WrongBytesKeepTheOldFileAndFailThatTable) {
  server_.SetFile("fx", Parquet("fx", 1, 4000));
  server_.SetFile("eu", Parquet("eu", 1, 4000));
  auto manifest = [&] {
    server_.SetManifest({{"direct_tables", json::array({server_.Entry("fx", "fx"),
                                                        server_.Entry("eu", "eu")})},
                         {"data_packages", json::array()},
                         {"memory_domains", json::array()}});
  };
  manifest();
  ASSERT_EQ(Pull().exit_code, 0);
  server_.SetFile("fx", Parquet("fx", 2, 4000));
  server_.SetFile("eu", Parquet("eu", 2, 4000));
  manifest();
  server_.ServeWrongBytes("fx", Parquet("fx", 3, 4000));  // corrupted on the way
  RunResult r = Pull("--json");
  EXPECT_EQ(r.exit_code, 1) << r.err << r.out;
  json j = json::parse(r.out);
  ASSERT_EQ(j["direct_tables"]["errors"].size(), 1u);
  EXPECT_EQ(j["direct_tables"]["errors"][0]["name"], "fx");
  EXPECT_EQ(j["direct_tables"]["updated"], 1);  // eu
  EXPECT_EQ(ReadFile(layout_.reference_path(layout_.direct_dir(), "fx")), Parquet("fx", 1, 4000));
  EXPECT_EQ(ReadFile(layout_.reference_path(layout_.direct_dir(), "eu")), Parquet("eu", 2, 4000));
}

// Issue 9 item 2: a server that announced 10 bytes and streamed forever filled the disk.
TEST_F(PullBinaryTest, EndlessBodyIsCutAtTheAnnouncedSizeAndTheOldFileKept) {
  server_.SetFile("fx", Parquet("fx", 1, 4000));
  server_.SetManifest({{"direct_tables", json::array({server_.Entry("fx", "fx")})},
                       {"data_packages", json::array()},
                       {"memory_domains", json::array()}});
  ASSERT_EQ(Pull().exit_code, 0);
  server_.ServeEndlessly("fx");
  json fx = server_.Entry("fx", "fx");
  fx["size_bytes"] = 10;
  fx["md5"] = fx["hash"] = Md5Hex("0123456789");
  server_.SetManifest({{"direct_tables", json::array({fx})},
                       {"data_packages", json::array()},
                       {"memory_domains", json::array()}});
  RunResult r = Pull("--json");
  EXPECT_EQ(r.exit_code, 1) << r.err << r.out;
  json j = json::parse(r.out);
  ASSERT_EQ(j["direct_tables"]["errors"].size(), 1u) << r.out;
  EXPECT_EQ(j["direct_tables"]["errors"][0]["name"], "fx");
  EXPECT_NE(j["direct_tables"]["errors"][0]["error"].get<std::string>().find(
                "more bytes than the 10 the manifest announces"),
            std::string::npos)
      << r.out;
  EXPECT_LE(j["bytes_downloaded"].get<uint64_t>(), 3u * 10u) << "each attempt stops at 10";
  EXPECT_FALSE(server_.endless_completed()) << "the client read the whole endless body";
  EXPECT_EQ(PartialsLeft(layout_), "");
  EXPECT_EQ(ReadFile(layout_.reference_path(layout_.direct_dir(), "fx")), Parquet("fx", 1, 4000));
}

// Issue 9 item 2: the free space is checked before a download starts.
TEST_F(PullBinaryTest, TableLargerThanTheFreeSpaceIsRefusedUpFrontInOneLine) {
  server_.SetFile("fx", Parquet("fx", 1, 4000));
  server_.SetFile("huge", Parquet("huge", 1, 5000));
  json huge = server_.Entry("huge", "huge");
  huge["size_bytes"] = uint64_t{1} << 60;  // no disk holds an exbibyte
  server_.SetManifest({{"direct_tables", json::array({server_.Entry("fx", "fx"), huge})},
                       {"data_packages", json::array()},
                       {"memory_domains", json::array()}});
  RunResult r = Pull();
  EXPECT_EQ(r.exit_code, 1) << r.err << r.out;
  EXPECT_EQ(CountOf(r.out, "error:"), 1u) << r.out;
  EXPECT_NE(r.out.find("error: 1 table not synced: not enough space on the disk (first: not "
                       "enough disk space for table huge: it needs "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("free space on that filesystem and run `ferry pull` again"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(CountOf(r.err, "huge"), 0u) << "no per-table line on stderr either: " << r.err;
  std::vector<std::string> paths = server_.paths();
  EXPECT_EQ(std::count(paths.begin(), paths.end(), "/api/data/huge/download"), 0);
  EXPECT_EQ(PartialsLeft(layout_), "");
  EXPECT_EQ(ReadFile(layout_.reference_path(layout_.direct_dir(), "fx")), Parquet("fx", 1, 4000));
}

// Issue 9 item 3: an absolute parquet_url or bundle_url on another origin received the token.
TEST_F(PullBinaryTest, AnotherOriginIsFetchedWithoutTheToken) {
  OtherOrigin cdn;
  server_.SetFile("fx", Parquet("fx", 1, 4000));
  server_.SetFile("eu", Parquet("eu", 1, 3000));
  cdn.Put("/bucket/eu.parquet", Parquet("eu", 1, 3000));
  cdn.Put("/bundles/playbook.md", "# Playbook\n");
  json eu = server_.Entry("eu", "eu");
  eu["parquet_url"] = cdn.url("/bucket/eu.parquet");  // same host, another port
  server_.SetManifest(
      {{"direct_tables", json::array({server_.Entry("fx", "fx"), eu})},
       {"data_packages", json::array()},
       {"memory_domains", json::array({{{"slug", "playbook"},
                                        {"name", "Playbook"},
                                        {"md5", "tok1"},
                                        {"bundle_url", cdn.url("/bundles/playbook.md")}}})}});
  RunResult r = Pull("--json");
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_EQ(ReadFile(layout_.reference_path(layout_.direct_dir(), "eu")), Parquet("eu", 1, 3000));
  EXPECT_EQ(ReadFile(layout_.bundle_path("playbook")), "# Playbook\n");
  EXPECT_EQ(cdn.auth(), (std::vector<std::string>{"", ""}))
      << "the other origin received the catalog's token";
  std::vector<std::string> paths = server_.paths();
  EXPECT_EQ(std::count(paths.begin(), paths.end(), "/api/data/fx/download"), 1)
      << "the server's own origin still gets it (it refuses requests without)";
}

TEST_F(PullBinaryTest, RedirectToAnotherOriginIsNotFollowed) {
  OtherOrigin elsewhere;
  server_.SetFile("fx", Parquet("fx", 1, 4000));
  elsewhere.Put("/fx", Parquet("fx", 1, 4000));
  server_.RedirectTo("fx", elsewhere.url("/fx"));
  server_.SetManifest({{"direct_tables", json::array({server_.Entry("fx", "fx")})},
                       {"data_packages", json::array()},
                       {"memory_domains", json::array()}});
  RunResult r = Pull("--json");
  EXPECT_EQ(r.exit_code, 1) << r.err << r.out;
  json j = json::parse(r.out);
  ASSERT_EQ(j["direct_tables"]["errors"].size(), 1u) << r.out;
  EXPECT_NE(j["direct_tables"]["errors"][0]["error"].get<std::string>().find("redirected to " +
                                                                             elsewhere.url("/fx")),
            std::string::npos)
      << r.out;
  EXPECT_TRUE(elsewhere.auth().empty()) << "a redirect was followed";
}

TEST_F(PullBinaryTest, RefusedTokenExitsThree) {
  StandardStack();
  RunResult r = Pull("", "wrong-token");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("HTTP 401"), std::string::npos) << r.err;
  EXPECT_FALSE(Exists(layout_.data_dir()));
}

TEST_F(PullBinaryTest, UnreachableServerExitsThree) {
  RunResult r = Ferry("pull --server http://127.0.0.1:1 --workspace '" + ws_ + "'");
  EXPECT_EQ(r.exit_code, 3) << r.err;
}

TEST_F(PullBinaryTest, LockedWorkspaceExitsFiveNamingTheHolder) {
  StandardStack();
  Result<std::unique_ptr<FileLock>> held = LockWorkspace(Env::Default(), layout_, "pull", false);
  ASSERT_TRUE(held.ok()) << held.status().ToString();
  RunResult r = Pull();
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_NE(r.err.find("pid " + std::to_string(getpid())), std::string::npos) << r.err;
  EXPECT_TRUE(server_.paths().empty());
}

TEST_F(PullBinaryTest, DryRunPrintsThePlanAndChangesNothing) {
  StandardStack();
  RunResult r = Pull("--dry-run");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("fetch            orders"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("add              sales/orders -> orders"), std::string::npos) << r.out;
  EXPECT_FALSE(Exists(ws_));
  EXPECT_TRUE(server_.paths().empty());
  RunResult j = Pull("--dry-run --json");
  ASSERT_EQ(j.exit_code, 0) << j.err;
  json plan = json::parse(j.out);
  EXPECT_EQ(plan["dry_run"], true);
  EXPECT_EQ(plan["plan"]["fetches"].size(), 3u);
  EXPECT_FALSE(Exists(ws_));
}

TEST_F(PullBinaryTest, AuditHealsWhatAHumanBroke) {
  StandardStack();
  ASSERT_EQ(Pull().exit_code, 0);
  const std::string ref = layout_.reference_path(layout_.package_dir("sales"), "orders");
  ASSERT_EQ(unlink(ref.c_str()), 0);
  std::ofstream(layout_.package_dir("sales") + "/my_notes.txt") << "mine";
  std::ofstream(layout_.state_path()) << "{not json";
  RunResult check = Ferry("audit --json --workspace '" + ws_ + "'");
  EXPECT_EQ(check.exit_code, 1) << check.err << check.out;
  RunResult heal = Ferry("audit --heal --json --workspace '" + ws_ + "'");
  EXPECT_EQ(heal.exit_code, 0) << heal.err << heal.out;
  json j = json::parse(heal.out);
  EXPECT_EQ(j["state_rebuilt"], true);
  EXPECT_EQ(ReadFile(layout_.package_dir("sales") + "/my_notes.txt"), "mine");
  // The state was rebuilt from disk: the next pull re-makes the deleted reference without
  // downloading anything else than... nothing: the canonical is still there.
  const size_t requests = server_.paths().size();
  RunResult r = Pull("--json");
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_EQ(ReadFile(ref), Parquet("orders", 1, 200000));
  EXPECT_EQ(server_.paths().size(), requests);
  RunResult clean = Ferry("audit --workspace '" + ws_ + "'");
  EXPECT_EQ(clean.exit_code, 0) << clean.out;
}

TEST_F(PullBinaryTest, AuditReportsAndHealsTrashAnInterruptedPullLeftBehind) {
  StandardStack();
  ASSERT_EQ(Pull().exit_code, 0);
  // As if a pull had moved a dropped canonical to the trash and then been killed.
  ASSERT_EQ(mkdir(layout_.trash_dir().c_str(), 0755), 0);
  const std::string left = layout_.trash_dir() + "/t_old.parquet";
  std::ofstream(left) << "bytes of a dropped table";
  RunResult check = Ferry("audit --workspace '" + ws_ + "'");
  EXPECT_EQ(check.exit_code, 1) << check.out;
  EXPECT_NE(check.out.find("leftover trash: " + left), std::string::npos) << check.out;
  EXPECT_TRUE(std::filesystem::exists(left)) << "an audit without --heal changes nothing";
  RunResult heal = Ferry("audit --heal --workspace '" + ws_ + "'");
  EXPECT_EQ(heal.exit_code, 0) << heal.err << heal.out;
  EXPECT_FALSE(std::filesystem::exists(left));
}

// Every file and symlink under `root`: relative path -> bytes (or "-> target" for a link).
std::map<std::string, std::string> Snapshot(const std::string& root) {
  std::map<std::string, std::string> out;
  namespace fs = std::filesystem;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    const std::string rel = fs::relative(it->path(), root).string();
    if (it->is_symlink()) {
      out[rel] = "-> " + fs::read_symlink(it->path()).string();
    } else if (it->is_regular_file()) {
      out[rel] = ReadFile(it->path().string());
    }
  }
  return out;
}

std::string Sh(const std::string& cmd) {
  return testing::RunShell(cmd).exit_code == 0 ? "" : "failed: " + cmd;
}

// A pull's --json report says nothing was added or removed, per type.
void ExpectNothingAddedOrRemoved(const json& report) {
  for (const char* t : {"direct_tables", "data_packages", "memory_domains"}) {
    EXPECT_EQ(report[t]["added"], 0) << t;
    EXPECT_EQ(report[t]["removed"], 0) << t;
  }
}

// Issue 9: `cp -a A B` then a pull of B removed A's canonicals and references.
TEST_F(PullBinaryTest, CopiedWorkspaceIsPulledInPlaceAndTheOriginalIsLeftAlone) {
  StandardStack();
  ASSERT_EQ(Pull().exit_code, 0);
  const std::string original = ws_;
  const std::map<std::string, std::string> before = Snapshot(original);
  const std::string copy = tmp_.Join("copy");
  ASSERT_EQ(Sh("cp -a '" + original + "' '" + copy + "'"), "");
  ws_ = copy;

  const size_t requests = server_.paths().size();
  RunResult r = Pull("--json");
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  ExpectNothingAddedOrRemoved(json::parse(r.out));
  EXPECT_EQ(server_.paths().size(), requests) << "the copy's files are reused, not fetched";
  EXPECT_EQ(Snapshot(original), before) << "the original is untouched";
  const WorkspaceLayout copied(copy);
  EXPECT_EQ(ReadFile(copied.reference_path(copied.package_dir("finance"), "fx")),
            Parquet("fx", 1, 5000));
  EXPECT_NE(ReadFile(copied.state_path()).find("\"" + copied.shared_path("orders") + "\""),
            std::string::npos)
      << "the copy's state now names the copy";
  EXPECT_EQ(ReadFile(copied.state_path()).find(original + "/"), std::string::npos);
  EXPECT_EQ(Ferry("audit --workspace '" + copy + "'").exit_code, 0);
  EXPECT_EQ(Ferry("audit --workspace '" + original + "'").exit_code, 0);

  // A package leaves the stack: only the copy loses it.
  json m = server_.Entry("fx", "fx_rates");
  server_.SetManifest({{"tables", json::object()},
                       {"direct_tables", json::array({m})},
                       {"data_packages", json::array()},
                       {"memory_domains", json::array()}});
  RunResult dropped = Pull("--json");
  ASSERT_EQ(dropped.exit_code, 0) << dropped.err << dropped.out;
  EXPECT_EQ(json::parse(dropped.out)["data_packages"]["removed"], 4);
  EXPECT_FALSE(std::filesystem::exists(copied.package_dir("sales")));
  EXPECT_FALSE(std::filesystem::exists(copied.shared_path("orders")));
  EXPECT_EQ(Snapshot(original), before) << "the original is untouched";

  // Moved (mv) to another place: still the same workspace, nothing fetched or removed.
  const std::string moved = tmp_.Join("moved");
  ASSERT_EQ(Sh("mv '" + copy + "' '" + moved + "'"), "");
  ws_ = moved;
  const size_t before_move = server_.paths().size();
  RunResult again = Pull("--json");
  ASSERT_EQ(again.exit_code, 0) << again.err << again.out;
  ExpectNothingAddedOrRemoved(json::parse(again.out));
  EXPECT_EQ(server_.paths().size(), before_move);
  EXPECT_EQ(Ferry("audit --workspace '" + moved + "'").exit_code, 0);
}

// Issue 9: a state edited to name a file elsewhere made the next pull delete it, report
// "0 removed" and a clean audit.
TEST_F(PullBinaryTest, EditedStateNamingAFileElsewhereIsAnAuditErrorAndNeverTouched) {
  StandardStack();
  ASSERT_EQ(Pull().exit_code, 0);
  const std::string precious = tmp_.Join("precious.parquet");
  std::ofstream(precious) << "years of work";
  json st = json::parse(ReadFile(layout_.state_path()));
  st["data_packages"]["sales"]["orders"]["shared_path"] = precious;
  st["data_packages"]["sales"]["orders"]["ref_path"] = precious;
  std::ofstream(layout_.state_path(), std::ios::trunc) << st.dump(2);

  RunResult audit = Ferry("audit --workspace '" + ws_ + "'");
  EXPECT_EQ(audit.exit_code, 1) << audit.out << audit.err;
  EXPECT_NE(audit.out.find("violation: " + layout_.state_path() +
                           ": data_packages.sales.orders names shared_path " + precious +
                           ", outside this workspace (" + ws_ + ")"),
            std::string::npos)
      << audit.out;

  // The package leaves the stack.
  server_.SetManifest({{"tables", json::object()},
                       {"direct_tables", json::array({server_.Entry("fx", "fx_rates")})},
                       {"data_packages", json::array()},
                       {"memory_domains", json::array()}});
  RunResult r = Pull();
  EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("outside this workspace"), std::string::npos) << r.out;
  EXPECT_EQ(ReadFile(precious), "years of work");
  EXPECT_FALSE(std::filesystem::exists(layout_.shared_path("orders")));
  EXPECT_FALSE(std::filesystem::exists(layout_.package_dir("sales")))
      << ::testing::PrintToString(Snapshot(ws_)) << ReadFile(layout_.state_path());
  EXPECT_EQ(Ferry("audit --workspace '" + ws_ + "'").exit_code, 0);
}

// Issue 9: `ferry audit --workspace /nonexistent` (or /etc) said "0 violation(s)".
TEST_F(PullBinaryTest, AuditOfADirectoryThatIsNoWorkspaceIsAUsageError) {
  for (const std::string& dir : {tmp_.Join("nonexistent"), std::string("/etc")}) {
    RunResult r = Ferry("audit --workspace '" + dir + "'");
    EXPECT_EQ(r.exit_code, 2) << dir << r.out;
    EXPECT_EQ(r.err, "ferry: " + dir +
                         " is not a ferry workspace (no sync_state.json, no .ferry/); pass the "
                         "directory a `ferry pull` made with --workspace\n")
        << dir;
    EXPECT_EQ(r.out, "");
  }
}

// Issue 13: a workspace as the seed's own client (pull_sync.py) leaves it: canonicals 0644,
// references as absolute symlinks, a state with absolute paths and no size_bytes, bundles
// written in place. `ferry pull` adopts it without downloading what it already has.
TEST_F(PullBinaryTest, WorkspaceLaidOutByTheSeedsClientIsAdoptedWithoutDownloads) {
  StandardStack();
  namespace fs = std::filesystem;
  const std::map<std::string, std::string> tables = {{"orders", Parquet("orders", 1, 200000)},
                                                     {"fx", Parquet("fx", 1, 5000)},
                                                     {"cdn_only", Parquet("cdn_only", 1, 3000)}};
  for (const auto& [id, bytes] : tables) {
    fs::create_directories(layout_.shared_dir());
    std::ofstream(layout_.shared_path(id), std::ios::binary) << bytes;
  }
  json state = {{"direct_tables", json::object()},
                {"data_packages", json::object()},
                {"memory_domains", json::object()},
                {"last_sync_unix", 1767225600}};
  auto seed_ref = [&](const std::string& dir, const std::string& name, const std::string& id) {
    const std::string ref = layout_.reference_path(dir, name);
    fs::create_directories(dir);
    fs::create_symlink(layout_.shared_path(id), ref);  // absolute, as os.symlink(src, dst)
    return json{{"table_id", id},
                {"md5", Md5Hex(tables.at(id))},
                {"shared_path", layout_.shared_path(id)},
                {"ref_path", ref},
                {"strategy", "symlink"}};
  };
  state["direct_tables"]["fx_rates"] = seed_ref(layout_.direct_dir(), "fx_rates", "fx");
  state["data_packages"]["sales"]["orders"] =
      seed_ref(layout_.package_dir("sales"), "orders", "orders");
  state["data_packages"]["sales"]["remote_file"] =
      seed_ref(layout_.package_dir("sales"), "remote_file", "cdn_only");
  state["data_packages"]["finance"]["orders"] =
      seed_ref(layout_.package_dir("finance"), "orders", "orders");
  state["data_packages"]["finance"]["fx"] = seed_ref(layout_.package_dir("finance"), "fx", "fx");
  fs::create_directories(layout_.memory_dir() + "/playbook");
  std::ofstream(layout_.bundle_path("playbook")) << "# Playbook\n\n## Required\n";
  state["memory_domains"]["playbook"] = {
      {"slug", "playbook"}, {"md5", "tok1"}, {"path", layout_.bundle_path("playbook")}};
  std::ofstream(layout_.state_path()) << state.dump(2);

  RunResult r = Pull("--json");
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  json j = json::parse(r.out);
  for (const char* t : {"direct_tables", "data_packages", "memory_domains"}) {
    EXPECT_EQ(j[t]["added"], 0) << t;
    EXPECT_EQ(j[t]["updated"], 0) << t;
    EXPECT_EQ(j[t]["removed"], 0) << t;
  }
  EXPECT_TRUE(j["invariant_violations"].empty()) << j.dump();
  EXPECT_TRUE(server_.paths().empty()) << "no table was downloaded: " << server_.paths()[0];
  EXPECT_EQ(j["bytes_downloaded"], 0);
  EXPECT_EQ(ReadFile(layout_.reference_path(layout_.package_dir("finance"), "fx")),
            Parquet("fx", 1, 5000));
  EXPECT_EQ(Ferry("audit --workspace '" + ws_ + "'").exit_code, 0);
  // The seed's readers still find absolute paths in the state.
  json after = json::parse(ReadFile(layout_.state_path()));
  EXPECT_EQ(after["data_packages"]["sales"]["orders"]["ref_path"],
            layout_.reference_path(layout_.package_dir("sales"), "orders"));
  EXPECT_EQ(after["data_packages"]["sales"]["orders"]["shared_path"],
            layout_.shared_path("orders"));
  EXPECT_EQ(after["last_sync_unix"].is_number(), true);

  // And it converges: the next pull has nothing to do.
  RunResult again = Pull("--json");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  json k = json::parse(again.out);
  for (const char* t : {"direct_tables", "data_packages", "memory_domains"}) {
    EXPECT_EQ(k[t]["added"].get<int>() + k[t]["updated"].get<int>() + k[t]["removed"].get<int>(),
              0)
        << t;
  }
}

// Issue 10: repairs are plan actions. `ferry audit` lists exactly what `ferry audit --heal`
// then does, and `ferry pull --dry-run` lists exactly the recovery the next pull makes.
TEST_F(PullBinaryTest, AuditAndDryRunListExactlyWhatTheHealDoes) {
  StandardStack();
  ASSERT_EQ(Pull().exit_code, 0);
  const std::string ref = layout_.reference_path(layout_.package_dir("sales"), "orders");
  ASSERT_EQ(unlink(ref.c_str()), 0);  // a broken reference
  const std::string temp = layout_.package_dir("sales") + "/.fx.parquet.ferry-tmp-0123456789abcdef";
  std::ofstream(temp) << "half written";  // a temp of an interrupted write
  ASSERT_EQ(chmod(layout_.shared_dir().c_str(), 0755), 0);
  const std::string orphan = layout_.shared_dir() + "/zzz.parquet";
  std::ofstream(orphan) << "nobody's";  // an orphan canonical
  ASSERT_EQ(mkdir(layout_.trash_dir().c_str(), 0755), 0);
  const std::string trash = layout_.trash_dir() + "/t_old.parquet";
  std::ofstream(trash) << "dropped";

  RunResult check = Ferry("audit --json --workspace '" + ws_ + "'");
  ASSERT_EQ(check.exit_code, 1) << check.err << check.out;
  const json listed = json::parse(check.out)["repairs"];
  EXPECT_EQ(listed, json::parse(check.out)["violations"]);
  EXPECT_EQ(listed, json::array({"leftover temp file: " + temp,
                                 "leftover trash: " + trash +
                                     " (a dropped canonical not yet freed)",
                                 "broken reference: " + ref, "orphan _shared parquet: zzz.parquet"}));
  RunResult heal = Ferry("audit --heal --json --workspace '" + ws_ + "'");
  ASSERT_EQ(heal.exit_code, 0) << heal.err << heal.out;
  const json healed = json::parse(heal.out);
  EXPECT_EQ(healed["healed"], listed);
  EXPECT_EQ(healed["violations"], json::array());
  // The bytes on disk after the heal.
  EXPECT_EQ(ReadFile(ref), Parquet("orders", 1, 200000));
  for (const std::string& gone : {temp, orphan, trash}) EXPECT_FALSE(Exists(gone)) << gone;
  EXPECT_EQ(Ferry("audit --workspace '" + ws_ + "'").exit_code, 0);

  // The pull's recovery: --dry-run lists it, the next pull reports the same lines as healed.
  std::ofstream(temp) << "half written";
  std::filesystem::create_directories(layout_.trash_dir());
  std::ofstream(trash) << "dropped";
  RunResult dry = Pull("--dry-run --json");
  ASSERT_EQ(dry.exit_code, 0) << dry.err << dry.out;
  const json planned = json::parse(dry.out)["plan"]["repairs"];
  EXPECT_EQ(planned, json::array({"leftover temp file: " + temp,
                                  "leftover trash: " + trash +
                                      " (a dropped canonical not yet freed)"}));
  EXPECT_TRUE(Exists(temp)) << "a dry run changes nothing";
  RunResult pulled = Pull("--json");
  ASSERT_EQ(pulled.exit_code, 0) << pulled.err << pulled.out;
  EXPECT_EQ(json::parse(pulled.out)["healed"], planned);
  EXPECT_FALSE(Exists(temp));
  EXPECT_FALSE(Exists(trash));
}

}  // namespace
}  // namespace ferry
