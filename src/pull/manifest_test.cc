#include "pull/manifest.h"

#include <gtest/gtest.h>

#include <string>

namespace ferry::pull {
namespace {

constexpr char kUrl[] = "http://catalog:8080/api/sync/manifest";

TEST(ManifestTest, ParsesTheProtocolDocumentWithItsQuirks) {
  Result<Manifest> m = ParseManifest(R"({
    "server_time": "2026-08-22T14:41:14.002+00:00",
    "tables": {"orders": {"hash": "ignored"}},
    "direct_tables": [{"id": "fx", "name": "fx_rates", "hash": "ABCDEF", "size_bytes": 10,
                       "parquet_url": "https://cdn.example/fx.parquet"}],
    "data_packages": [{"id": "5c0e", "slug": "sales", "name": "Sales", "requirement": "required",
      "tables": [{"id": "orders", "name": "orders", "hash": "3f2a", "md5": "3f2b",
                  "size_bytes": 48213344, "rows": 1203311, "query_mode": "local",
                  "server_only": false, "updated": "2026-08-22T06:00:12.51+00:00"},
                 {"id": "big", "name": "big", "md5": null, "query_mode": "remote"},
                 {"id": "ev", "name": "events", "parts": [{"path": "2026/01.parquet", "hash": "aa", "size_bytes": 3}]}]}],
    "memory_domains": [{"id": "d1", "slug": "playbook", "name": "Playbook", "md5": "9e",
                        "items_count": 14},
                       {"slug": "ops", "bundle_url": "/custom/ops.md"}]
  })", kUrl);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_TRUE(m->errors.empty());
  ASSERT_EQ(m->direct_tables.size(), 1u);
  EXPECT_EQ(m->direct_tables[0].md5, "abcdef");  // `hash` accepted, lowercased
  EXPECT_EQ(m->direct_tables[0].url, "https://cdn.example/fx.parquet");
  ASSERT_EQ(m->data_packages.size(), 1u);
  const auto& t = m->data_packages[0].tables;
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].md5, "3f2b");  // `md5` wins over `hash`
  EXPECT_EQ(t[0].url, "http://catalog:8080/api/data/orders/download");  // fallback
  EXPECT_EQ(t[0].size_bytes, 48213344u);
  EXPECT_EQ(t[0].rows, 1203311);
  EXPECT_FALSE(t[0].skipped());
  EXPECT_TRUE(t[1].skipped());
  EXPECT_TRUE(t[2].partitioned());
  EXPECT_EQ(t[2].parts[0].url,
            "http://catalog:8080/api/data/ev/download?part=2026%2F01.parquet");
  ASSERT_EQ(m->memory_domains.size(), 2u);
  EXPECT_EQ(m->memory_domains[0].url, "http://catalog:8080/api/memory/bundle?domain=playbook");
  EXPECT_EQ(m->memory_domains[0].md5, "9e");
  EXPECT_EQ(m->memory_domains[1].url, "http://catalog:8080/custom/ops.md");
}

TEST(ManifestTest, NotJsonIsAClearErrorForTheWholeManifest) {
  Result<Manifest> m = ParseManifest("<html>502 Bad Gateway</html>", kUrl);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(m.status().message(), std::string("manifest from ") + kUrl +
                                      ": not valid JSON; is --server the catalog server?");
}

TEST(ManifestTest, WrongTypeNamesTheJsonPath) {
  Result<Manifest> m = ParseManifest(R"({"direct_tables": [], "memory_domains": [],
    "data_packages": [{"slug": "a", "tables": []}, {"slug": "b", "tables": []},
                      {"slug": "c", "tables": [{"id": "x", "name": 5}]}]})", kUrl);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message(), std::string("manifest from ") + kUrl +
                                      ": data_packages[2].tables[0].name: expected string, got number");
}

TEST(ManifestTest, MissingRequiredKeysAreErrors) {
  struct Case {
    const char* body;
    const char* where;
  } cases[] = {
      {R"({"direct_tables": [], "data_packages": []})", "memory_domains: missing required key"},
      {R"({"direct_tables": [{"name": "x"}], "data_packages": [], "memory_domains": []})",
       "direct_tables[0].id: missing required key"},
      {R"({"direct_tables": [], "data_packages": [{"tables": []}], "memory_domains": []})",
       "data_packages[0].slug: missing required key"},
      {R"({"direct_tables": [], "data_packages": [], "memory_domains": [{"md5": "x"}]})",
       "memory_domains[0].slug: missing required key"},
      {R"({"direct_tables": {}, "data_packages": [], "memory_domains": []})",
       "direct_tables: expected array, got object"},
      {R"([1, 2])", "top level: expected object, got array"},
      {R"({"direct_tables": [{"id": "x", "name": "x", "size_bytes": -1}], "data_packages": [], "memory_domains": []})",
       "direct_tables[0].size_bytes: expected a non-negative integer, got -1"},
      {R"({"direct_tables": [{"id": "x", "name": "x", "server_only": "no"}], "data_packages": [], "memory_domains": []})",
       "direct_tables[0].server_only: expected boolean, got string"},
  };
  for (const Case& c : cases) {
    Result<Manifest> m = ParseManifest(c.body, kUrl);
    ASSERT_FALSE(m.ok()) << c.body;
    EXPECT_EQ(m.status().message(), std::string("manifest from ") + kUrl + ": " + c.where);
  }
}

TEST(ManifestTest, BodyOverTheCapIsRefusedBeforeParsing) {
  // A view over a buffer one byte larger than the cap, never filled: the size check alone
  // must refuse it.
  std::unique_ptr<char[]> huge(new char[kMaxManifestBytes + 1]);
  Result<Manifest> m = ParseManifest(std::string_view(huge.get(), kMaxManifestBytes + 1), kUrl);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("exceeds the 268435456-byte limit"), std::string::npos)
      << m.status().message();
}

TEST(ManifestTest, UnsafeNamesRejectOnlyTheirEntry) {
  Result<Manifest> m = ParseManifest(R"({
    "direct_tables": [{"id": "ok", "name": "ok"}, {"id": "x", "name": "../x"},
                      {"id": "a/b", "name": "fine"}, {"id": "y", "name": "tab\there"}],
    "data_packages": [{"slug": "..", "tables": [{"id": "z", "name": "z"}]},
                      {"slug": "_shared", "tables": []},
                      {"slug": "p", "tables": [{"id": "q", "name": "q", "parts": [{"path": "../../etc/passwd"}]},
                                               {"id": "r", "name": "r"}]}],
    "memory_domains": [{"slug": ""}, {"slug": "."}, {"slug": "good"}]
  })", kUrl);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->direct_tables.size(), 1u);
  EXPECT_EQ(m->direct_tables[0].name, "ok");
  ASSERT_EQ(m->data_packages.size(), 1u);
  EXPECT_EQ(m->data_packages[0].slug, "p");
  ASSERT_EQ(m->data_packages[0].tables.size(), 1u);
  EXPECT_EQ(m->data_packages[0].tables[0].name, "r");
  ASSERT_EQ(m->memory_domains.size(), 1u);
  ASSERT_EQ(m->errors.size(), 8u);
  EXPECT_EQ(m->errors[0].message, "direct_tables[1].name: unsafe path segment '../x'");
  EXPECT_EQ(m->errors[1].message,
            "direct_tables[2].id: unsafe path segment 'a/b' (table fine)");
  EXPECT_EQ(m->errors[1].name, "fine");  // protects the local entry "fine"
  EXPECT_EQ(m->errors[2].message, "direct_tables[3].name: unsafe path segment 'tab\\x09here'");
  EXPECT_EQ(m->errors[3].message, "data_packages[0].slug: unsafe path segment '..'");
  EXPECT_EQ(m->errors[4].message,
            "data_packages[1].slug: '_shared' is reserved for ferry's own directories");
  EXPECT_EQ(m->errors[5].message,
            "data_packages[2].tables[0].parts[0].path: unsafe part path '../../etc/passwd' (table q)");
  EXPECT_EQ(m->errors[5].package, "p");
  EXPECT_EQ(m->errors[5].name, "q");
  EXPECT_EQ(m->errors[6].message, "memory_domains[0].slug: unsafe path segment ''");
  EXPECT_EQ(m->errors[7].message, "memory_domains[1].slug: unsafe path segment '.'");
}

TEST(ManifestTest, NonHttpUrlIsRefusedForThatEntry) {
  Result<Manifest> m = ParseManifest(R"({"direct_tables": [
      {"id": "a", "name": "a", "parquet_url": "file:///etc/passwd"}, {"id": "b", "name": "b"}],
      "data_packages": [], "memory_domains": []})", kUrl);
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->direct_tables.size(), 1u);
  ASSERT_EQ(m->errors.size(), 1u);
  EXPECT_EQ(m->errors[0].name, "a");
  EXPECT_NE(m->errors[0].message.find("direct_tables[0].parquet_url"), std::string::npos);
}

}  // namespace
}  // namespace ferry::pull
