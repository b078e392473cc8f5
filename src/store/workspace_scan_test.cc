#include "store/workspace_scan.h"

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/mem_env.h"
#include "base/path.h"
#include "store/content_store.h"
#include "store/linker.h"

namespace ferry {
namespace {

using LS = LinkStrategy;

class WorkspaceScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(CreateDirs(&env_, layout_.shared_dir()).ok());
    ASSERT_TRUE(CreateDirs(&env_, layout_.partial_dir()).ok());
    Install("t1", "PAR1-one-PAR1");
    Install("t2", "PAR1-two-PAR1");
  }
  void Put(const std::string& path, const std::string& bytes) {
    IgnoreError(env_.RemoveFile(path), "a fresh file, whatever the old one's mode");
    auto opened = env_.NewWritableFile(path, 0644);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    auto f = std::move(opened).value();
    ASSERT_TRUE(f->Append(bytes).ok());
    ASSERT_TRUE(f->Close().ok());
  }
  void Install(const std::string& id, const std::string& bytes) {
    std::string staged = JoinPath(layout_.partial_dir(), id);
    Put(staged, bytes);
    ASSERT_TRUE(InstallCanonical(&env_, staged, layout_.shared_path(id)).ok());
  }
  std::string Ref(const std::string& dir, const std::string& name) {
    return layout_.reference_path(layout_.package_dir(dir), name);
  }

  MemEnv env_;
  WorkspaceLayout layout_{"/ws"};
};

TEST_F(WorkspaceScanTest, FindsReferencesAndGuessesTheirStrategy) {
  Linker symlinker(&env_, {LS::kSymlink});
  Linker hardlinker(&env_, {LS::kHardlink});
  Linker copier(&env_, {LS::kCopy});
  ASSERT_TRUE(symlinker.MakeReference(layout_.shared_path("t1"), Ref("_direct", "fx")).ok());
  ASSERT_TRUE(hardlinker.MakeReference(layout_.shared_path("t2"), Ref("sales", "orders")).ok());
  ASSERT_TRUE(copier.MakeReference(layout_.shared_path("t1"), Ref("sales", "rates")).ok());
  // Not references: a non-parquet file, a temp, and views.sql at the top of data/.
  Put("/ws/data/sales/README.txt", "notes");
  Put("/ws/data/sales/.orders.parquet.ferry-tmp-0123456789abcdef", "half");
  Put(layout_.views_sql_path(), "-- views");

  Result<std::vector<ObservedReference>> refs = ScanReferences(&env_, layout_);
  ASSERT_TRUE(refs.ok()) << refs.status().ToString();
  ASSERT_EQ(refs->size(), 3u);
  const ObservedReference& fx = (*refs)[0];
  EXPECT_EQ(fx.dir, "_direct");
  EXPECT_EQ(fx.name, "fx");
  EXPECT_EQ(fx.ref_path, "/ws/data/_direct/fx.parquet");
  EXPECT_EQ(fx.strategy_guess, LS::kSymlink);
  EXPECT_EQ(fx.target_shared_path, "/ws/data/_shared/t1.parquet");
  const ObservedReference& orders = (*refs)[1];
  EXPECT_EQ(orders.dir, "sales");
  EXPECT_EQ(orders.name, "orders");
  EXPECT_EQ(orders.strategy_guess, LS::kHardlink);
  EXPECT_EQ(orders.target_shared_path, "/ws/data/_shared/t2.parquet");
  const ObservedReference& rates = (*refs)[2];
  EXPECT_EQ(rates.name, "rates");
  EXPECT_EQ(rates.strategy_guess, LS::kCopy);
  EXPECT_EQ(rates.target_shared_path, "");
}

TEST_F(WorkspaceScanTest, FindsPartitionedReferences) {
  const std::string staged = JoinPath(layout_.partial_dir(), "t9");
  ASSERT_TRUE(CreateDirs(&env_, staged).ok());
  Put(staged + "/part-0.parquet", "p0");
  ASSERT_TRUE(InstallCanonical(&env_, staged, layout_.shared_path("t9")).ok());
  Linker hardlinker(&env_, {LS::kHardlink});
  Linker symlinker(&env_, {LS::kSymlink});
  ASSERT_TRUE(hardlinker.MakeReference(layout_.shared_path("t9"), Ref("sales", "events")).ok());
  ASSERT_TRUE(symlinker.MakeReference(layout_.shared_path("t9"), Ref("ops", "events")).ok());
  auto refs = ScanReferences(&env_, layout_).value();
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(refs[0].dir, "ops");
  EXPECT_EQ(refs[0].strategy_guess, LS::kSymlink);
  EXPECT_TRUE(refs[0].is_directory);
  EXPECT_EQ(refs[1].dir, "sales");
  EXPECT_EQ(refs[1].strategy_guess, LS::kHardlink);
  EXPECT_EQ(refs[1].target_shared_path, layout_.shared_path("t9"));
  EXPECT_TRUE(refs[1].is_directory);
}

TEST_F(WorkspaceScanTest, ListsCanonicalsButNotTemps) {
  Put("/ws/data/_shared/.t3.parquet.ferry-tmp-0123456789abcdef", "half");
  Put("/ws/data/_shared/notes.txt", "not ours");
  auto shared = ScanSharedFiles(&env_, layout_).value();
  EXPECT_EQ(shared, (std::vector<std::string>{"/ws/data/_shared/t1.parquet",
                                              "/ws/data/_shared/t2.parquet"}));
}

TEST_F(WorkspaceScanTest, FindsLeftoverTempsAnywhereUnderDataAndMemory) {
  ASSERT_TRUE(CreateDirs(&env_, "/ws/data/sales").ok());
  ASSERT_TRUE(CreateDirs(&env_, "/ws/memory/ops").ok());
  ASSERT_TRUE(CreateDirs(&env_, "/ws/data/sales/.events.parquet.ferry-tmp-00000000000000aa/x").ok());
  Put("/ws/data/sales/.orders.parquet.ferry-tmp-0123456789abcdef", "half");
  Put("/ws/memory/ops/.bundle.md.ferry-tmp-fedcba9876543210", "half");
  Put("/ws/data/sales/orders.parquet", "a real file");
  // An aside whose canonical is back is a leftover; one whose canonical is missing is not.
  Put("/ws/data/_shared/.t1.parquet.ferry-old", "old");
  Put("/ws/data/_shared/.t7.parquet.ferry-old", "only copy");
  auto temps = ScanLeftoverTemps(&env_, layout_).value();
  EXPECT_EQ(temps, (std::vector<std::string>{
                       "/ws/data/_shared/.t1.parquet.ferry-old",
                       "/ws/data/sales/.events.parquet.ferry-tmp-00000000000000aa",
                       "/ws/data/sales/.orders.parquet.ferry-tmp-0123456789abcdef",
                       "/ws/memory/ops/.bundle.md.ferry-tmp-fedcba9876543210"}));
  // Recovery puts t7 back and drops t1's leftover.
  auto recovered = RecoverInterruptedInstalls(&env_, layout_).value();
  EXPECT_EQ(recovered.size(), 2u);
  EXPECT_EQ(ReadFileToString(&env_, "/ws/data/_shared/t7.parquet", 100).value(), "only copy");
  EXPECT_EQ(ReadFileToString(&env_, "/ws/data/_shared/t1.parquet", 100).value(), "PAR1-one-PAR1");
}

TEST(WorkspaceScanEmptyTest, AFreshWorkspaceScansEmpty) {
  MemEnv env;
  WorkspaceLayout layout("/nowhere");
  EXPECT_TRUE(ScanReferences(&env, layout).value().empty());
  EXPECT_TRUE(ScanSharedFiles(&env, layout).value().empty());
  EXPECT_TRUE(ScanLeftoverTemps(&env, layout).value().empty());
}

}  // namespace
}  // namespace ferry
