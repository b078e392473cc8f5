#include "serve/manifest_cache.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "base/hasher.h"
#include "base/mem_env.h"
#include "support/digests.h"
#include "support/temp_dir.h"

namespace ferry::serve {
namespace {

// Digests by path; StillCurrent compares with the map, so a test changes a file's md5 by
// editing `versions` (a new version, as a rewritten file would have).
class FakeDigests : public FileDigests {
 public:
  // The env only lists a partitioned table's parts and tells the time (the racy rule).
  explicit FakeDigests(Env* env = Env::Default()) : FileDigests(env) {}
  Result<FileVersion> Current(const std::string& path) override {
    ++current_calls;
    if (refused.count(path) != 0)
      return Status::PermissionDenied("serve " + path + ": is a symlink; refused");
    auto it = versions.find(path);
    if (it == versions.end()) return Status::NotFound("stat " + path + ": gone");
    return it->second;
  }
  bool StillCurrent(const std::string& path, const FileVersion& v) override {
    auto it = versions.find(path);
    return it != versions.end() && it->second.inode == v.inode && it->second.size == v.size &&
           it->second.mtime_ns == v.mtime_ns;
  }
  std::map<std::string, FileVersion> versions;
  std::set<std::string> refused;  // paths that answer as a symlink would
  int current_calls = 0;
};

constexpr int64_t kOld = 1'700'000'000'000'000'000;  // far outside the racy window

class ManifestCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = std::make_shared<Catalog>();
    for (const char* id : {"orders", "customers", "events", "zeta"}) {
      CatalogTable t;
      t.id = id;
      t.name = id;
      t.file = std::string(id) + ".parquet";
      t.abs_path = "/root/" + t.file;
      c->table_index[id] = c->tables.size();
      c->tables.push_back(t);
      digests_.versions[t.abs_path] = FileVersion{1, 2, 100, kOld, "aaaa"};
    }
    CatalogPackage sales{
        "sales", "Sales", "d\"q", Requirement::kAvailable, {"zeta", "orders", "customers"}, 0};
    CatalogPackage base{"base", "Base", "", Requirement::kRequired, {"customers"}, 0};
    c->package_index["sales"] = 0;
    c->packages.push_back(sales);
    c->package_index["base"] = 1;
    c->packages.push_back(base);
    CatalogDomain d;
    d.slug = "playbook";
    d.name = "Playbook";
    d.items = {{"a", "A", "approved", true, "x"}};
    c->domain_index[d.slug] = 0;
    c->domains.push_back(d);
    user_.name = "ana";
    user_.grants.packages = {"sales", "base"};
    user_.grants.memory_domains = {"playbook"};
    user_.grants.tables = {"events"};
    user_.stack.packages = {"sales"};
    user_.stack.memory_domains = {"playbook"};
    catalog_ = c;
    cache_ = std::make_unique<ManifestCache>(catalog_, &digests_);
  }
  std::string Uncached(const StackOverrides& o) {
    auto m = BuildManifest(*catalog_, user_, o, &digests_, 42'000'000'000, PullClientFeatures());
    EXPECT_TRUE(m.ok()) << m.status().message();
    return m.ok() ? DumpJson(*m) : "";
  }
  std::string Cached(const StackOverrides& o) {
    auto b = cache_->Body(user_, o, 42'000'000'000, PullClientFeatures());
    EXPECT_TRUE(b.ok()) << b.status().message();
    return b.ok() ? *b : "";
  }
  std::shared_ptr<const Catalog> catalog_;
  CatalogUser user_;
  MemEnv clock_;  // the racy rule's wall clock, moved only by the test
  FakeDigests digests_{&clock_};
  std::unique_ptr<ManifestCache> cache_;
};

TEST_F(ManifestCacheTest, EqualsTheUncachedBuildByteForByte) {
  EXPECT_EQ(Cached({}), Uncached({}));
  EXPECT_EQ(Cached({}), Uncached({}));  // the second answer comes from the body cache
}

// Issue 9: one table whose file became a symlink made every manifest holding it a 503 that
// named the server's path. It is left out; the rest is served.
TEST_F(ManifestCacheTest, SymlinkedTableIsLeftOutAndTheRestIsServed) {
  Cached({});  // the table was fine, then its file was swapped for a symlink
  digests_.refused.insert("/root/customers.parquet");
  digests_.versions.erase("/root/customers.parquet");
  const std::string body = Cached({});
  ASSERT_FALSE(body.empty());
  EXPECT_EQ(body.find("/root/"), std::string::npos) << body;
  const nlohmann::json m = nlohmann::json::parse(body);
  EXPECT_FALSE(m["tables"].contains("customers"));
  EXPECT_TRUE(m["tables"].contains("orders"));
  EXPECT_TRUE(m["tables"].contains("zeta"));
  std::map<std::string, std::vector<std::string>> ids;
  for (const auto& p : m["data_packages"]) {
    for (const auto& t : p["tables"]) ids[p["slug"]].push_back(t["id"]);
  }
  EXPECT_EQ(ids["sales"], (std::vector<std::string>{"zeta", "orders"}));
  EXPECT_TRUE(ids["base"].empty());
  for (const auto& p : m["data_packages"]) {
    if (p["slug"] == "sales") {
      EXPECT_EQ(p["total_size_bytes"], 200);
    }
  }
}

TEST_F(ManifestCacheTest, BrokenTableIsNotRecheckedOnEveryRequest) {
  digests_.refused.insert("/root/customers.parquet");
  Cached({});
  const int calls = digests_.current_calls;
  Cached({});
  Cached({});
  EXPECT_EQ(digests_.current_calls, calls);  // re-checked after a second, not per request
}

TEST_F(ManifestCacheTest, VanishedFileFailsRetryablyWithoutNamingTheServerPath) {
  digests_.versions.erase("/root/orders.parquet");
  auto b = cache_->Body(user_, {}, 42'000'000'000, PullClientFeatures());
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(b.status().message(),
            "table 'orders' is being replaced on the server; try again shortly");
}

TEST_F(ManifestCacheTest, RepeatedRequestsDoNotRebuildTables) {
  Cached({});
  const int calls = digests_.current_calls;
  const uint64_t generation = cache_->generation();
  Cached({});
  EXPECT_EQ(digests_.current_calls, calls);
  EXPECT_EQ(cache_->generation(), generation);
}

TEST_F(ManifestCacheTest, StackChangeChangesTheManifest) {
  const std::string before = Cached({});
  StackOverrides o = {{{StackKind::kPackages, "sales"}, false},
                      {{StackKind::kDirectTables, "events"}, true}};
  const std::string after = Cached(o);
  EXPECT_NE(after, before);
  EXPECT_EQ(after, Uncached(o));
  EXPECT_EQ(after.find("\"zeta\""), std::string::npos);
  EXPECT_NE(after.find("\"events\""), std::string::npos);
  EXPECT_EQ(Cached({}), before);  // and back
}

TEST_F(ManifestCacheTest, ChangedFileMd5ChangesTheManifest) {
  const std::string before = Cached({});
  const uint64_t generation = cache_->generation();
  digests_.versions["/root/orders.parquet"] = FileVersion{1, 3, 120, kOld + 5, "bbbb"};
  const std::string after = Cached({});
  EXPECT_NE(after, before);
  EXPECT_GT(cache_->generation(), generation);
  EXPECT_NE(after.find("\"bbbb\""), std::string::npos);
  EXPECT_EQ(after, Uncached({}));
}

TEST_F(ManifestCacheTest, VanishedFileFailsRetryably) {
  Cached({});
  digests_.versions.erase("/root/zeta.parquet");
  auto b = cache_->Body(user_, {}, 0, PullClientFeatures());
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(b.status().message().find("'zeta'"), std::string::npos);
}

TEST_F(ManifestCacheTest, RecentlyWrittenFileIsRecheckedUntilItLeavesTheRacyWindow) {
  const int64_t now = clock_.NowUnixNanos();
  digests_.versions["/root/orders.parquet"] = FileVersion{1, 4, 100, now, "cccc"};
  Cached({});
  int calls = digests_.current_calls;
  Cached({});
  EXPECT_GT(digests_.current_calls, calls);  // racy: not trusted from lstat alone
  // Built once the window has passed, the piece is trusted from then on.
  clock_.AdvanceClock(Md5Index::kRacyWindowNs);
  Cached({});
  calls = digests_.current_calls;
  Cached({});
  EXPECT_EQ(digests_.current_calls, calls);
}

// The real index, with every lstat check counted.
class CountingIndex : public Md5Index {
 public:
  explicit CountingIndex(int64_t max_trust_ns)
      : Md5Index(Env::Default(), std::make_unique<ChangeWatch>(Env::Default(), max_trust_ns)) {}
  bool StillCurrent(const std::string& path, const FileVersion& v) override {
    ++lstats;
    return Md5Index::StillCurrent(path, v);
  }
  std::atomic<int> lstats{0};
};

// Writes `data` dated an hour back (outside the racy window), through a rename as a
// publisher would.
void Publish(const std::string& path, const std::string& data) {
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp, std::ios::binary | std::ios::trunc) << data;
  struct timespec times[2];
  clock_gettime(CLOCK_REALTIME, &times[0]);
  times[0].tv_sec -= 3600;
  times[1] = times[0];
  ASSERT_EQ(utimensat(AT_FDCWD, tmp.c_str(), times, 0), 0);
  ASSERT_EQ(std::rename(tmp.c_str(), path.c_str()), 0);
}

using ferry::testing::Md5Hex;

// Adds table `id` to `c`, published on disk in `dir` with `bytes`.
void AddPublishedTable(Catalog* c, const ferry::testing::TempDir& dir, const std::string& id,
                       const std::string& bytes) {
  CatalogTable t;
  t.id = id;
  t.name = id;
  t.file = id + ".parquet";
  t.abs_path = dir.Join(t.file);
  Publish(t.abs_path, bytes);
  c->table_index[id] = c->tables.size();
  c->tables.push_back(t);
}

TEST(ManifestCacheWatchTest, UnchangedFilesAreNotStatedAgainAndAChangeShowsAtOnce) {
  ferry::testing::TempDir dir;
  auto c = std::make_shared<Catalog>();
  CatalogPackage pkg{"p", "P", "", Requirement::kAvailable, {}, 0};
  for (const char* id : {"a", "b", "c"}) {
    AddPublishedTable(c.get(), dir, id, std::string("bytes of ") + id);
    pkg.tables.push_back(id);
  }
  c->package_index["p"] = 0;
  c->packages.push_back(pkg);
  CatalogUser user;
  user.name = "ana";
  user.grants.packages = {"p"};
  user.stack.packages = {"p"};

  CountingIndex index(/*max_trust_ns=*/int64_t{1} << 62);  // no expiry within the test
  ManifestCache cache(c, &index);
  auto body = [&] {
    auto b = cache.Body(user, {}, 42'000'000'000, PullClientFeatures());
    EXPECT_TRUE(b.ok()) << b.status().message();
    return b.ok() ? *b : "";
  };
  body();  // builds the pieces
  body();  // checks each by lstat once, then trusts it
  const int after_warm_up = index.lstats;
  EXPECT_EQ(body(), body());
  EXPECT_EQ(index.lstats, after_warm_up) << "unchanged files were stat'ed again";

  // A replaced file: no sleep, no poll; the very next manifest has the new md5.
  Publish(dir.Join("b.parquet"), "new bytes of b");
  const std::string changed = body();
  EXPECT_NE(changed.find(Md5Hex("new bytes of b")), std::string::npos);
  EXPECT_EQ(changed.find(Md5Hex("bytes of b")), std::string::npos);
  EXPECT_GT(index.lstats, after_warm_up);
  auto uncached = BuildManifest(*c, user, {}, &index, 42'000'000'000, PullClientFeatures());
  ASSERT_TRUE(uncached.ok());
  EXPECT_EQ(changed, DumpJson(*uncached));
}

TEST(ManifestCacheWatchTest, WithoutAWatchEveryRequestStatsEveryTable) {
  // FileDigests' default watches nothing (as on a network filesystem): always lstat.
  class Unwatched : public CountingIndex {
   public:
    Unwatched() : CountingIndex(int64_t{1} << 62) {}
    bool Watched(const std::string&) override { return false; }
  };
  ferry::testing::TempDir dir;
  auto c = std::make_shared<Catalog>();
  AddPublishedTable(c.get(), dir, "a", "x");
  CatalogUser user;
  user.name = "ana";
  user.grants.tables = {"a"};
  user.stack.tables = {"a"};
  Unwatched index;
  ManifestCache cache(c, &index);
  ASSERT_TRUE(cache.Body(user, {}, 0, PullClientFeatures()).ok());
  const int before = index.lstats;
  ASSERT_TRUE(cache.Body(user, {}, 0, PullClientFeatures()).ok());
  ASSERT_TRUE(cache.Body(user, {}, 0, PullClientFeatures()).ok());
  EXPECT_EQ(index.lstats, before + 2);
}

// The two forms of one stack (PROTOCOL.md, "Older clients"): a client that sent the `parts`
// feature sees the partitioned table's parts, any other sees it as remote. The cache keys on
// the form, so alternating clients of one stack never get each other's body.
TEST(ManifestCacheFormTest, EachClientFormIsItsOwnBodyAndAChangeReachesBoth) {
  ferry::testing::TempDir dir;
  auto c = std::make_shared<Catalog>();
  char canonical[PATH_MAX];
  ASSERT_NE(::realpath(dir.path().c_str(), canonical), nullptr);
  c->root = canonical;
  AddPublishedTable(c.get(), dir, "a", "bytes of a");
  std::filesystem::create_directories(c->root + "/ev/2026");
  Publish(c->root + "/ev/01.parquet", "part one");
  Publish(c->root + "/ev/2026/02.parquet", "part two");
  CatalogTable ev;
  ev.id = "ev";
  ev.name = "ev";
  ev.dir = "ev/";
  ev.abs_path = c->root + "/ev";
  c->table_index["ev"] = c->tables.size();
  c->tables.push_back(ev);
  c->package_index["p"] = 0;
  c->packages.push_back({"p", "P", "", Requirement::kAvailable, {"a", "ev"}, 0});
  CatalogUser user;
  user.name = "ana";
  user.grants.packages = {"p"};
  user.grants.tables = {"ev"};
  user.stack.packages = {"p"};
  user.stack.tables = {"ev"};

  Md5Index index(Env::Default(),
                 std::make_unique<ChangeWatch>(Env::Default(), /*max_trust_ns=*/int64_t{1} << 62));
  ManifestCache cache(c, &index);
  const ClientFeatures old_client{}, pull = PullClientFeatures();
  auto body = [&](ClientFeatures f) {
    auto b = cache.Body(user, {}, 42'000'000'000, f);
    EXPECT_TRUE(b.ok()) << b.status().message();
    return b.ok() ? *b : "";
  };
  auto uncached = [&](ClientFeatures f) {
    auto m = BuildManifest(*c, user, {}, &index, 42'000'000'000, f);
    EXPECT_TRUE(m.ok()) << m.status().message();
    return m.ok() ? DumpJson(*m) : "";
  };

  const std::string for_old = body(old_client);
  const std::string for_pull = body(pull);
  EXPECT_EQ(for_old, uncached(old_client));
  EXPECT_EQ(for_pull, uncached(pull));
  EXPECT_EQ(for_old.find("\"parts\""), std::string::npos);
  EXPECT_NE(for_pull.find("\"parts\""), std::string::npos);
  for (int i = 0; i < 3; ++i) {  // from the body cache, in either order
    EXPECT_EQ(body(pull), for_pull);
    EXPECT_EQ(body(old_client), for_old);
  }

  // A part changes: both forms describe the new version (the old form's change token too).
  Publish(c->root + "/ev/01.parquet", "part one, v2");
  EXPECT_EQ(body(old_client), uncached(old_client));
  EXPECT_NE(body(old_client), for_old);
  const std::string pull_v2 = body(pull);
  EXPECT_EQ(pull_v2, uncached(pull));
  EXPECT_NE(pull_v2.find(Md5Hex("part one, v2")), std::string::npos);
}

}  // namespace
}  // namespace ferry::serve
