#include "store/workspace_layout.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

TEST(WorkspaceLayoutTest, PathsFollowTheSeedLayout) {
  WorkspaceLayout l("/home/ana/ws/");
  EXPECT_EQ(l.root(), "/home/ana/ws");
  EXPECT_EQ(l.state_path(), "/home/ana/ws/sync_state.json");
  EXPECT_EQ(l.data_dir(), "/home/ana/ws/data");
  EXPECT_EQ(l.shared_dir(), "/home/ana/ws/data/_shared");
  EXPECT_EQ(l.direct_dir(), "/home/ana/ws/data/_direct");
  EXPECT_EQ(l.package_dir("sales"), "/home/ana/ws/data/sales");
  EXPECT_EQ(l.shared_path("t1"), "/home/ana/ws/data/_shared/t1.parquet");
  EXPECT_EQ(l.reference_path(l.package_dir("sales"), "orders"),
            "/home/ana/ws/data/sales/orders.parquet");
  EXPECT_EQ(l.memory_dir(), "/home/ana/ws/memory");
  EXPECT_EQ(l.bundle_path("ops"), "/home/ana/ws/memory/ops/bundle.md");
  EXPECT_EQ(l.ferry_dir(), "/home/ana/ws/.ferry");
  EXPECT_EQ(l.partial_dir(), "/home/ana/ws/.ferry/partial");
  EXPECT_EQ(l.lock_path(), "/home/ana/ws/.ferry/lock");
  EXPECT_EQ(l.digests_path(), "/home/ana/ws/.ferry/digests.json");
  EXPECT_EQ(l.views_sql_path(), "/home/ana/ws/data/views.sql");
}

TEST(WorkspaceLayoutTest, ReservedDataDirs) {
  EXPECT_TRUE(IsReservedDataDir("_shared"));
  EXPECT_TRUE(IsReservedDataDir("_direct"));
  EXPECT_FALSE(IsReservedDataDir("sales"));
  EXPECT_FALSE(IsReservedDataDir("_Shared"));
}

}  // namespace
}  // namespace ferry
