#include "serve/manifest_cache.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>

namespace ferry::serve {
namespace {

// Digests by path; StillCurrent compares with the map, so a test changes a file's md5 by
// editing `versions` (a new version, as a rewritten file would have).
class FakeDigests : public FileDigests {
 public:
  Result<FileVersion> Current(const std::string& path) override {
    ++current_calls;
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
    CatalogPackage sales{"sales", "Sales", "d\"q", Requirement::kAvailable,
                         {"zeta", "orders", "customers"}, 0};
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
    auto m = BuildManifest(*catalog_, user_, o, &digests_, 42'000'000'000);
    EXPECT_TRUE(m.ok()) << m.status().message();
    return m.ok() ? DumpJson(*m) : "";
  }
  std::string Cached(const StackOverrides& o) {
    auto b = cache_->Body(user_, o, 42'000'000'000);
    EXPECT_TRUE(b.ok()) << b.status().message();
    return b.ok() ? *b : "";
  }
  std::shared_ptr<const Catalog> catalog_;
  CatalogUser user_;
  FakeDigests digests_;
  std::unique_ptr<ManifestCache> cache_;
};

TEST_F(ManifestCacheTest, EqualsTheUncachedBuildByteForByte) {
  EXPECT_EQ(Cached({}), Uncached({}));
  EXPECT_EQ(Cached({}), Uncached({}));  // the second answer comes from the body cache
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
  auto b = cache_->Body(user_, {}, 0);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(b.status().message().find("'zeta'"), std::string::npos);
}

TEST_F(ManifestCacheTest, RecentlyWrittenFileIsRecheckedEveryTime) {
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  digests_.versions["/root/orders.parquet"] = FileVersion{1, 4, 100, now, "cccc"};
  Cached({});
  const int calls = digests_.current_calls;
  Cached({});
  EXPECT_GT(digests_.current_calls, calls);  // racy: not trusted from lstat alone
}

}  // namespace
}  // namespace ferry::serve
