#include "store/state_anchor.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

TableRef Ref(const std::string& id, const std::string& shared, const std::string& ref) {
  TableRef r;
  r.table_id = id;
  r.shared_path = shared;
  r.ref_path = ref;
  return r;
}

class StateAnchorTest : public ::testing::Test {
 protected:
  WorkspaceLayout layout_{"/home/ana/ws"};
};

TEST_F(StateAnchorTest, PathsOfThisWorkspaceAreKeptAsTheyAre) {
  SyncState s;
  s.data_packages["sales"]["orders"] =
      Ref("t1", "/home/ana/ws/data/_shared/t1.parquet", "/home/ana/ws/data/sales/orders.parquet");
  s.direct_tables["fx"] =
      Ref("t2", "/home/ana/ws/data/_shared/t2.parquet", "/home/ana/ws/data/_direct/fx.parquet");
  s.memory_domains["ops"] = {"ops", "m", "/home/ana/ws/memory/ops/bundle.md"};
  const SyncState before = s;
  AnchorOutcome out = AnchorStateToWorkspace(layout_, &s);
  EXPECT_TRUE(out.problems.empty());
  EXPECT_EQ(out.moved_from, "");
  EXPECT_EQ(s.data_packages, before.data_packages);
  EXPECT_EQ(s.direct_tables, before.direct_tables);
  EXPECT_EQ(s.memory_domains, before.memory_domains);
}

TEST_F(StateAnchorTest, CopiedWorkspaceIsReanchoredHereAndNamesTheOriginal) {
  SyncState s;
  s.data_packages["sales"]["orders"] =
      Ref("t1", "/mnt/old/ws/data/_shared/t1.parquet", "/mnt/old/ws/data/sales/orders.parquet");
  s.memory_domains["ops"] = {"ops", "m", "/mnt/old/ws/memory/ops/bundle.md"};
  AnchorOutcome out = AnchorStateToWorkspace(layout_, &s);
  EXPECT_TRUE(out.problems.empty());
  EXPECT_EQ(out.moved_from, "/mnt/old/ws");
  const TableRef& r = s.data_packages["sales"]["orders"];
  EXPECT_EQ(r.shared_path, "/home/ana/ws/data/_shared/t1.parquet");
  EXPECT_EQ(r.ref_path, "/home/ana/ws/data/sales/orders.parquet");
  EXPECT_EQ(s.memory_domains["ops"].path, "/home/ana/ws/memory/ops/bundle.md");
}

TEST_F(StateAnchorTest, EntryNamingAFileOutsideTheWorkspaceIsReportedAndUsesOnlyTheLayoutsPath) {
  SyncState s;
  s.data_packages["sales"]["orders"] =
      Ref("t1", "/some/where/precious.parquet", "/home/ana/ws/data/sales/orders.parquet");
  s.data_packages["sales"]["fx"] =
      Ref("t2", "/home/ana/ws/data/_shared/t2.parquet", "/home/ana/ws/data/sales/fx.parquet");
  AnchorOutcome out = AnchorStateToWorkspace(layout_, &s);
  ASSERT_EQ(out.problems.size(), 1u);
  EXPECT_EQ(out.problems[0],
            "/home/ana/ws/sync_state.json: data_packages.sales.orders names shared_path "
            "/some/where/precious.parquet, outside this workspace (/home/ana/ws); "
            "/some/where/precious.parquet is never touched, only "
            "/home/ana/ws/data/_shared/t1.parquet is used");
  EXPECT_EQ(s.data_packages["sales"]["orders"].shared_path, "/home/ana/ws/data/_shared/t1.parquet");
  EXPECT_EQ(s.data_packages["sales"]["fx"].shared_path, "/home/ana/ws/data/_shared/t2.parquet");
}

TEST_F(StateAnchorTest, ReferenceOutsideOrClimbingOutIsReportedAndTakenAsTheLayouts) {
  SyncState s;
  s.direct_tables["a"] = Ref("t1", "/home/ana/ws/data/_shared/t1.parquet", "/etc/passwd");
  s.direct_tables["b"] = Ref("t2", "/home/ana/ws/data/_shared/t2.parquet",
                             "/home/ana/ws/data/_direct/../../../../etc/b.parquet");
  AnchorOutcome out = AnchorStateToWorkspace(layout_, &s);
  EXPECT_EQ(out.problems.size(), 2u);
  EXPECT_EQ(s.direct_tables["a"].ref_path, "/home/ana/ws/data/_direct/a.parquet");
  EXPECT_EQ(s.direct_tables["b"].ref_path, "/home/ana/ws/data/_direct/b.parquet");
}

TEST_F(StateAnchorTest, PathInsideButNotWhereTheLayoutPutsTheEntryIsReported) {
  SyncState s;
  s.direct_tables["a"] =
      Ref("t1", "/home/ana/ws/data/_shared/other.parquet", "/home/ana/ws/data/_direct/a.parquet");
  AnchorOutcome out = AnchorStateToWorkspace(layout_, &s);
  ASSERT_EQ(out.problems.size(), 1u);
  EXPECT_NE(out.problems[0].find("where this workspace's layout does not put it (expected "
                                 "/home/ana/ws/data/_shared/t1.parquet)"),
            std::string::npos)
      << out.problems[0];
}

TEST_F(StateAnchorTest, UnsafeNamesAreDroppedBeforeAnyPathIsDerived) {
  SyncState s;
  s.direct_tables["a"] = Ref("../../etc/x", "/home/ana/ws/data/_shared/../../etc/x.parquet",
                             "/home/ana/ws/data/_direct/a.parquet");
  s.data_packages[".."]["b"] =
      Ref("t2", "/home/ana/ws/data/_shared/t2.parquet", "/home/ana/ws/data/../b.parquet");
  s.data_packages["_shared"]["c"] =
      Ref("t3", "/home/ana/ws/data/_shared/t3.parquet", "/home/ana/ws/data/_shared/c.parquet");
  s.memory_domains[".."] = {"..", "m", "/home/ana/ws/memory/../bundle.md"};
  AnchorOutcome out = AnchorStateToWorkspace(layout_, &s);
  EXPECT_EQ(out.problems.size(), 4u);
  EXPECT_TRUE(s.direct_tables.empty());
  EXPECT_TRUE(s.data_packages.empty());
  EXPECT_TRUE(s.memory_domains.empty());
}

TEST_F(StateAnchorTest, BundleWithoutARecordedPathGetsTheLayoutsPath) {
  SyncState s;
  s.memory_domains["ops"] = {"ops", "", ""};
  AnchorOutcome out = AnchorStateToWorkspace(layout_, &s);
  EXPECT_TRUE(out.problems.empty());
  EXPECT_EQ(s.memory_domains["ops"].path, "/home/ana/ws/memory/ops/bundle.md");
}

TEST_F(StateAnchorTest, BundleOutsideIsReportedAndTakenAsTheLayouts) {
  SyncState s;
  s.memory_domains["ops"] = {"ops", "m", "/home/ana/.bashrc"};
  AnchorOutcome out = AnchorStateToWorkspace(layout_, &s);
  EXPECT_EQ(out.problems.size(), 1u);
  EXPECT_EQ(s.memory_domains["ops"].path, "/home/ana/ws/memory/ops/bundle.md");
}

}  // namespace
}  // namespace ferry

namespace ferry {
namespace {

TEST(StateAnchorSeedTest, RelativePathsTheSeedsClientWritesAreTakenAsThisWorkspaces) {
  WorkspaceLayout layout("/home/ana/ws");
  SyncState s;
  s.direct_tables["fx"] = Ref("t2", "ws/data/_shared/t2.parquet", "data/_direct/fx.parquet");
  AnchorOutcome out = AnchorStateToWorkspace(layout, &s);
  EXPECT_TRUE(out.problems.empty());
  EXPECT_EQ(out.moved_from, "");
  EXPECT_EQ(s.direct_tables["fx"].shared_path, "/home/ana/ws/data/_shared/t2.parquet");
  EXPECT_EQ(s.direct_tables["fx"].ref_path, "/home/ana/ws/data/_direct/fx.parquet");
}

}  // namespace
}  // namespace ferry
