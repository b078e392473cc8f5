#include "serve/manifest_builder.h"

#include <gtest/gtest.h>
#include <limits.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "base/hasher.h"
#include "serve/access.h"
#include "serve/auth.h"
#include "support/temp_dir.h"

namespace ferry::serve {
namespace {

// Digests by path; a path it does not know is "gone".
class FakeDigests : public FileDigests {
 public:
  FakeDigests() : FileDigests(Env::Default()) {}  // parts are listed from the real disk
  Result<FileVersion> Current(const std::string& path) override {
    auto it = versions.find(path);
    if (it == versions.end()) return Status::NotFound("stat " + path + ": gone");
    return it->second;
  }
  std::map<std::string, FileVersion> versions;
};

class ManifestBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AddTable("orders", 100, "aaaa");
    AddTable("customers", 200, "bbbb");
    AddTable("events", 300, "cccc");
    AddTable("secret", 400, "dddd");
    AddPackage("sales", Requirement::kAvailable, {"orders", "customers"});
    AddPackage("onboarding", Requirement::kRequired, {"customers"});
    AddPackage("finance", Requirement::kAvailable, {"secret"});
    CatalogDomain d;
    d.slug = "playbook";
    d.name = "Playbook";
    d.items = {{"a", "A", "approved", true, "x"}};
    catalog_.domain_index[d.slug] = catalog_.domains.size();
    catalog_.domains.push_back(d);
    user_.name = "ana";
    user_.grants.packages = {"sales", "onboarding"};
    user_.grants.memory_domains = {"playbook"};
    user_.grants.tables = {"events"};
  }
  void AddTable(const std::string& id, uint64_t size, const std::string& md5) {
    CatalogTable t;
    t.id = id;
    t.name = id;
    t.file = id + ".parquet";
    t.abs_path = "/root/" + id + ".parquet";
    catalog_.table_index[id] = catalog_.tables.size();
    catalog_.tables.push_back(t);
    digests_.versions[t.abs_path] = FileVersion{1, 2, size, 1'700'000'000'000'000'000, md5};
  }
  void AddPackage(const std::string& slug, Requirement r, std::vector<std::string> tables) {
    CatalogPackage p;
    p.slug = slug;
    p.name = slug;
    p.requirement = r;
    p.tables = std::move(tables);
    catalog_.package_index[slug] = catalog_.packages.size();
    catalog_.packages.push_back(p);
  }
  nlohmann::json Build(const StackOverrides& overrides = {},
                       ClientFeatures features = PullClientFeatures()) {
    auto m = BuildManifest(catalog_, user_, overrides, &digests_, 0, features);
    EXPECT_TRUE(m.ok()) << m.status().message();
    return m.ok() ? *m : nlohmann::json();
  }
  static std::vector<std::string> Slugs(const nlohmann::json& list) {
    std::vector<std::string> out;
    for (const auto& e : list) out.push_back(e.contains("slug") ? e["slug"] : e["id"]);
    return out;
  }
  Catalog catalog_;
  CatalogUser user_;
  FakeDigests digests_;
  ferry::testing::TempDir root_;
};

TEST_F(ManifestBuilderTest, RequiredGrantedPackageIsInTheStackWithoutSubscription) {
  nlohmann::json m = Build();
  EXPECT_EQ(Slugs(m["data_packages"]), std::vector<std::string>{"onboarding"});
  EXPECT_TRUE(m["direct_tables"].empty());
  EXPECT_TRUE(m["memory_domains"].empty());
}

TEST_F(ManifestBuilderTest, StackIsGrantedIntersectSubscribedUnionRequired) {
  user_.stack.packages = {"sales"};
  user_.stack.memory_domains = {"playbook"};
  user_.stack.tables = {"events"};
  nlohmann::json m = Build();
  EXPECT_EQ(Slugs(m["data_packages"]), (std::vector<std::string>{"sales", "onboarding"}));
  EXPECT_EQ(Slugs(m["direct_tables"]), std::vector<std::string>{"events"});
  EXPECT_EQ(Slugs(m["memory_domains"]), std::vector<std::string>{"playbook"});
  // The flat view lists each table of the stack once.
  std::set<std::string> flat;
  for (auto& [k, v] : m["tables"].items()) flat.insert(k);
  EXPECT_EQ(flat, (std::set<std::string>{"orders", "customers", "events"}));
}

TEST_F(ManifestBuilderTest, SubscriptionOutsideGrantsNeverReachesTheManifest) {
  StackOverrides o;
  o[{StackKind::kPackages, "finance"}] = true;     // not granted
  o[{StackKind::kDirectTables, "secret"}] = true;  // not granted
  nlohmann::json m = Build(o);
  EXPECT_EQ(Slugs(m["data_packages"]), std::vector<std::string>{"onboarding"});
  EXPECT_TRUE(m["direct_tables"].empty());
  EXPECT_FALSE(m["tables"].contains("secret"));
}

TEST_F(ManifestBuilderTest, UserChangesOverrideTheCatalogDefaultButNotRequirement) {
  user_.stack.packages = {"sales"};
  StackOverrides o;
  o[{StackKind::kPackages, "sales"}] = false;
  o[{StackKind::kPackages, "onboarding"}] = false;  // required: stays
  o[{StackKind::kDirectTables, "events"}] = true;
  nlohmann::json m = Build(o);
  EXPECT_EQ(Slugs(m["data_packages"]), std::vector<std::string>{"onboarding"});
  EXPECT_EQ(Slugs(m["direct_tables"]), std::vector<std::string>{"events"});
}

TEST_F(ManifestBuilderTest, TableEntryCarriesHashMd5AndRelativeUrl) {
  user_.stack.packages = {"sales"};
  nlohmann::json m = Build();
  const nlohmann::json& e = m["data_packages"][0]["tables"][0];
  EXPECT_EQ(e["id"], "orders");
  EXPECT_EQ(e["hash"], "aaaa");
  EXPECT_EQ(e["md5"], "aaaa");
  EXPECT_EQ(e["size_bytes"], 100);
  EXPECT_EQ(e["parquet_url"], "/api/data/orders/download");
  EXPECT_EQ(e["query_mode"], "local");
  EXPECT_EQ(e["server_only"], false);
  EXPECT_EQ(e["updated"], "2023-11-14T22:13:20.000+00:00");
  EXPECT_EQ(m["data_packages"][0]["total_size_bytes"], 300);
  EXPECT_EQ(m["tables"]["orders"]["hash"], "aaaa");
}

TEST_F(ManifestBuilderTest, BaseUrlMakesParquetUrlAbsoluteAndEncoded) {
  catalog_.base_url = "https://cdn.example/bucket";
  catalog_.tables[0].file = "sales 2026/orders.parquet";
  user_.stack.packages = {"sales"};
  nlohmann::json m = Build();
  EXPECT_EQ(m["data_packages"][0]["tables"][0]["parquet_url"],
            "https://cdn.example/bucket/sales%202026/orders.parquet");
}

TEST_F(ManifestBuilderTest, MissingFileFailsTheManifestInsteadOfAdvertisingAWrongDigest) {
  digests_.versions.erase("/root/customers.parquet");
  auto m = BuildManifest(catalog_, user_, {}, &digests_, 0, PullClientFeatures());
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(m.status().message(),
            "table 'customers' cannot be advertised: stat /root/customers.parquet: gone");
}

// Makes `id` a partitioned table of two parts, <id>/a.parquet and <id>/b/c.parquet, on disk
// in `root` (parts are listed from the real directory; their digests come from the fake).
void MakePartitioned(Catalog* catalog, FakeDigests* digests, const ferry::testing::TempDir& root,
                     const std::string& id) {
  char canonical[PATH_MAX];
  ASSERT_NE(::realpath(root.path().c_str(), canonical), nullptr);
  catalog->root = canonical;
  const std::string dir = catalog->root + "/" + id;
  std::filesystem::create_directories(dir + "/b");
  std::ofstream(dir + "/a.parquet") << "PAR1 a PAR1";
  std::ofstream(dir + "/b/c.parquet") << "PAR1 c PAR1";
  CatalogTable& t = catalog->tables[catalog->table_index.at(id)];
  t.file.clear();
  t.dir = id + "/";
  t.abs_path = dir;
  digests->versions[dir + "/a.parquet"] = FileVersion{1, 3, 10, 1, "p1"};
  digests->versions[dir + "/b/c.parquet"] = FileVersion{1, 4, 20, 1, "p2"};
}

TEST_F(ManifestBuilderTest, ServerOnlyTableIsRemoteForEveryClient) {
  catalog_.tables[catalog_.table_index.at("orders")].server_only = true;
  user_.stack.packages = {"sales"};
  for (ClientFeatures f : {ClientFeatures{}, PullClientFeatures()}) {
    nlohmann::json m = Build({}, f);
    const nlohmann::json& e = m["data_packages"][0]["tables"][0];
    ASSERT_EQ(e["id"], "orders");
    EXPECT_EQ(e["query_mode"], "remote") << "parts=" << f.parts;
    EXPECT_EQ(e["server_only"], true);
    EXPECT_EQ(m["tables"]["orders"]["query_mode"], "remote");
    EXPECT_EQ(m["tables"]["orders"]["server_only"], true);
    // The other table of the package is untouched.
    EXPECT_EQ(m["data_packages"][0]["tables"][1]["query_mode"], "local");
  }
}

TEST_F(ManifestBuilderTest, PartitionedTableHasPartsOnlyForAClientThatSaidParts) {
  MakePartitioned(&catalog_, &digests_, root_, "events");
  user_.stack.tables = {"events"};

  nlohmann::json pull = Build({}, PullClientFeatures());
  const nlohmann::json& full = pull["direct_tables"][0];
  EXPECT_EQ(full["query_mode"], "local");
  ASSERT_EQ(full["parts"].size(), 2u);
  EXPECT_EQ(full["parts"][0]["path"], "a.parquet");
  EXPECT_EQ(full["parts"][1]["path"], "b/c.parquet");
  EXPECT_EQ(pull["tables"]["events"]["query_mode"], "local");

  // Without the feature: the same entry, announced as remote and without parts, so the
  // seed's client skips it instead of asking for a file that does not exist.
  nlohmann::json old = Build({}, ClientFeatures{});
  const nlohmann::json& legacy = old["direct_tables"][0];
  EXPECT_EQ(legacy["query_mode"], "remote");
  EXPECT_FALSE(legacy.contains("parts"));
  EXPECT_EQ(old["tables"]["events"]["query_mode"], "remote");
  nlohmann::json expected = full;
  expected.erase("parts");
  expected["query_mode"] = "remote";
  EXPECT_EQ(legacy, expected);
}

TEST_F(ManifestBuilderTest, PlainTablesAreTheSameForEveryClient) {
  MakePartitioned(&catalog_, &digests_, root_, "events");
  user_.stack.packages = {"sales"};
  EXPECT_EQ(Build({}, ClientFeatures{}), Build({}, PullClientFeatures()));
}

TEST(ClientFeaturesTest, HeaderLinesAddUpAndFormsAreNumberedBothWays) {
  EXPECT_FALSE(ParseClientFeatures("").parts);
  EXPECT_FALSE(ParseClientFeatures("zstd").parts);
  EXPECT_TRUE(ParseClientFeatures("zstd, PARTS").parts);
  EXPECT_TRUE(ParseClientFeatures("zstd", ParseClientFeatures("parts")).parts);
  EXPECT_TRUE(PullClientFeatures().parts);
  for (size_t form = 0; form < kClientForms; ++form) {
    EXPECT_EQ(FormIndex(FeaturesOfForm(form)), form);
  }
  EXPECT_NE(FormIndex(ClientFeatures{}), FormIndex(PullClientFeatures()));
}

TEST_F(ManifestBuilderTest, DomainCarriesChangeTokenAndCounts) {
  user_.stack.memory_domains = {"playbook"};
  nlohmann::json m = Build();
  const nlohmann::json& d = m["memory_domains"][0];
  EXPECT_EQ(d["bundle_url"], "/api/memory/bundle?domain=playbook");
  EXPECT_EQ(d["items_count"], 1);
  EXPECT_EQ(d["required_count"], 1);
  EXPECT_EQ(d["md5"].get<std::string>().size(), 32u);
}

TEST(AccessTest, TableInGrantedPackageIsReadableButNotDirectlySubscribable) {
  Catalog c;
  CatalogPackage p;
  p.slug = "sales";
  p.tables = {"orders"};
  c.package_index["sales"] = 0;
  c.packages.push_back(p);
  CatalogUser u;
  u.grants.packages = {"sales"};
  EXPECT_TRUE(CanReadTable(c, u, "orders"));
  EXPECT_FALSE(CanReadTable(c, u, "other"));
  EXPECT_FALSE(MaySubscribe(u, StackKind::kDirectTables, "orders"));
}

TEST(AuthTest, MatchesTheUserWhoseHashIsTheTokensSha256) {
  Catalog c;
  Hasher h(HashAlgorithm::kSha256);
  h.Update("tok-bo");
  CatalogUser ana, bo;
  ana.name = "ana";
  ana.token_sha256 = std::string(64, '0');
  bo.name = "bo";
  bo.token_sha256 = h.FinishHex();
  c.users = {ana, bo};
  ASSERT_NE(Authenticate(c, "tok-bo"), nullptr);
  EXPECT_EQ(Authenticate(c, "tok-bo")->name, "bo");
  EXPECT_EQ(Authenticate(c, "tok-b"), nullptr);
  EXPECT_EQ(Authenticate(c, ""), nullptr);
  EXPECT_EQ(BearerToken("Bearer tok-bo"), "tok-bo");
  EXPECT_EQ(BearerToken("bearer  tok-bo "), "tok-bo");
  EXPECT_EQ(BearerToken("Basic dXNlcg=="), "");
  EXPECT_EQ(BearerToken(""), "");
}

}  // namespace
}  // namespace ferry::serve
