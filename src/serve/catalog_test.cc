#include "serve/catalog.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/hasher.h"
#include "support/digests.h"
#include "support/temp_dir.h"

namespace ferry::serve {
namespace {

using ferry::testing::Sha256Hex;

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.Join("data/sales"));
    std::filesystem::create_directories(dir_.Join("data/events/2026"));
    std::filesystem::create_directories(dir_.Join("memory/playbook"));
    Write("data/sales/orders.parquet", "PAR1 orders PAR1");
    Write("data/events/2026/01.parquet", "PAR1 e1 PAR1");
    Write("memory/playbook/a.md", "---\nid: a\ntitle: A\nstatus: approved\n---\nBody\n");
  }
  void Write(const std::string& rel, const std::string& text) {
    std::ofstream(dir_.Join(rel), std::ios::binary) << text;
  }
  Result<std::shared_ptr<const Catalog>> Load(const std::string& yaml) {
    Write("catalog.yaml", yaml);
    return LoadCatalog(Env::Default(), path());
  }
  std::string path() const { return dir_.Join("catalog.yaml"); }
  std::string Error(const std::string& yaml) {
    auto r = Load(yaml);
    EXPECT_FALSE(r.ok());
    return r.ok() ? "" : r.status().message();
  }
  ferry::testing::TempDir dir_;
  const std::string token_hash_ = Sha256Hex("t-ana");
};

TEST_F(CatalogTest, LoadsTheIssueExampleWithPathsResolvedAgainstTheCatalogDirectory) {
  auto r = Load(
      "root: ./data\n"
      "tables:\n"
      "  - {id: orders, name: orders, file: sales/orders.parquet, query_mode: local, "
      "server_only: false}\n"
      "  - {id: events, dir: events/}\n"
      "packages:\n"
      "  - {slug: sales, name: Sales, description: \"d\", requirement: available, tables: "
      "[orders]}\n"
      "memory_domains:\n"
      "  - {slug: playbook, name: Playbook, description: \"p\", items_dir: memory/playbook}\n"
      "users:\n"
      "  - name: ana\n"
      "    token_sha256: \"" +
      token_hash_ +
      "\"\n"
      "    grants: {packages: [sales], memory_domains: [playbook], tables: [orders]}\n"
      "    stack:  {packages: [sales], memory_domains: [playbook], direct_tables: []}\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Catalog& c = **r;
  char real[PATH_MAX];
  ASSERT_NE(realpath(dir_.Join("data").c_str(), real), nullptr);
  EXPECT_EQ(c.root, real);
  ASSERT_EQ(c.tables.size(), 2u);
  EXPECT_EQ(c.tables[0].abs_path, std::string(real) + "/sales/orders.parquet");
  EXPECT_TRUE(c.tables[1].partitioned());
  EXPECT_EQ(c.tables[1].abs_path, std::string(real) + "/events");
  EXPECT_EQ(c.tables[1].name, "events");
  ASSERT_EQ(c.domains.size(), 1u);
  ASSERT_EQ(c.domains[0].items.size(), 1u);
  EXPECT_EQ(c.domains[0].items[0].content, "Body");
  ASSERT_EQ(c.users.size(), 1u);
  EXPECT_EQ(c.users[0].grants.tables, std::vector<std::string>{"orders"});
  EXPECT_EQ(c.FindPackage("sales")->tables, std::vector<std::string>{"orders"});
}

TEST_F(CatalogTest, PackageListingAnUnknownTableNamesTheLine) {
  EXPECT_EQ(Error("root: data\n"
                  "tables:\n"
                  "  - {id: orders, file: sales/orders.parquet}\n"
                  "packages:\n"
                  "  - slug: sales\n"
                  "    tables: [orders,\n"
                  "             ordrs]\n"),
            path() + ":7: package 'sales' lists unknown table 'ordrs'");
}

TEST_F(CatalogTest, MissingFileNamesTheLineAndTheRoot) {
  char real[PATH_MAX];
  ASSERT_NE(realpath(dir_.Join("data").c_str(), real), nullptr);
  EXPECT_EQ(Error("root: data\n"
                  "tables:\n"
                  "  - id: orders\n"
                  "    file: sales/nope.parquet\n"),
            path() + ":4: table 'orders' file 'sales/nope.parquet' does not exist under root '" +
                real + "'");
}

TEST_F(CatalogTest, DuplicateTableIdNamesBothLines) {
  EXPECT_EQ(Error("root: data\n"
                  "tables:\n"
                  "  - {id: orders, file: sales/orders.parquet}\n"
                  "  - {id: orders, file: sales/orders.parquet}\n"),
            path() + ":4: duplicate table id 'orders' (first declared on line 3)");
}

TEST_F(CatalogTest, UnsafeIdIsRefused) {
  EXPECT_EQ(Error("root: data\n"
                  "tables:\n"
                  "  - {id: ../etc, file: sales/orders.parquet}\n"),
            path() + ":3: table id '../etc' is not a safe name (letters, digits, '_', '.', '-')");
  EXPECT_EQ(Error("root: data\n"
                  "packages:\n"
                  "  - {slug: \"a/b\"}\n"),
            path() + ":3: package slug 'a/b' is not a safe name (letters, digits, '_', '.', '-')");
}

TEST_F(CatalogTest, FileEscapingRootThroughSymlinkIsRefused) {
  Write("outside.parquet", "secret");
  ASSERT_EQ(symlink(dir_.Join("outside.parquet").c_str(), dir_.Join("data/leak.parquet").c_str()),
            0);
  char real[PATH_MAX];
  ASSERT_NE(realpath(dir_.Join("data").c_str(), real), nullptr);
  char out[PATH_MAX];
  ASSERT_NE(realpath(dir_.Join("outside.parquet").c_str(), out), nullptr);
  EXPECT_EQ(Error("root: data\n"
                  "tables:\n"
                  "  - {id: leak, file: leak.parquet}\n"),
            path() +
                ":3: table 'leak' file 'leak.parquet': 'leak.parquet' resolves outside root '" +
                real + "' (to '" + out + "')");
  EXPECT_EQ(Error("root: data\n"
                  "tables:\n"
                  "  - {id: up, file: ../outside.parquet}\n"),
            path() +
                ":3: table 'up' file '../outside.parquet': '../outside.parquet' resolves "
                "outside root '" +
                real + "' (to '" + out + "')");
}

TEST_F(CatalogTest, StackOutsideGrantsIsRefused) {
  EXPECT_EQ(Error("root: data\n"
                  "packages:\n"
                  "  - {slug: sales}\n"
                  "users:\n"
                  "  - name: ana\n"
                  "    token_sha256: " +
                  token_hash_ +
                  "\n"
                  "    stack: {packages: [sales]}\n"),
            path() + ":7: user 'ana' stack lists package 'sales' outside the user's grants");
}

TEST_F(CatalogTest, BadTokenHashAndUnknownGrantAreRefused) {
  EXPECT_EQ(Error("users:\n"
                  "  - name: ana\n"
                  "    token_sha256: abc\n"),
            path() + ":3: user 'ana': token_sha256 must be 64 hex digits (sha256 of the token)");
  EXPECT_EQ(Error("users:\n"
                  "  - name: ana\n"
                  "    token_sha256: " +
                  token_hash_ +
                  "\n"
                  "    grants: {memory_domains: [nope]}\n"),
            path() + ":4: user 'ana' grants unknown memory domain 'nope'");
}

TEST_F(CatalogTest, YamlSyntaxErrorNamesLineAndColumn) {
  std::string msg = Error("tables: [\n  {id: x\n");
  EXPECT_EQ(msg.rfind(path() + ":", 0), 0u) << msg;
}

TEST_F(CatalogTest, MissingItemsDirIsRefused) {
  EXPECT_EQ(Error("memory_domains:\n"
                  "  - {slug: pb, items_dir: memory/none}\n"),
            path() + ":2: memory domain 'pb' items_dir 'memory/none' does not exist");
}

TEST(InsideRootTest, PrefixOfAnotherDirectoryIsNotInside) {
  EXPECT_TRUE(IsInsideRoot("/srv/data", "/srv/data/a"));
  EXPECT_TRUE(IsInsideRoot("/srv/data", "/srv/data"));
  EXPECT_FALSE(IsInsideRoot("/srv/data", "/srv/data2/a"));
  EXPECT_FALSE(IsInsideRoot("/srv/data", "/srv"));
}

}  // namespace
}  // namespace ferry::serve
