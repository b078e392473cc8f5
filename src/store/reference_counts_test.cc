#include "store/reference_counts.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

TableRef Ref(const std::string& shared) {
  TableRef r;
  r.table_id = "t";
  r.shared_path = shared;
  r.ref_path = "/r";
  return r;
}

TEST(ReferenceCountsTest, CountsEveryReferenceInTheState) {
  SyncState state;
  state.direct_tables["a"] = Ref("/s/t1.parquet");
  state.data_packages["p"]["a"] = Ref("/s/t1.parquet");
  state.data_packages["q"]["a"] = Ref("/s/t1.parquet");
  state.data_packages["q"]["b"] = Ref("/s/t2.parquet");
  ReferenceCounts counts(state);
  EXPECT_EQ(counts.count("/s/t1.parquet"), 3);
  EXPECT_EQ(counts.count("/s/t2.parquet"), 1);
  EXPECT_EQ(counts.count("/s/t3.parquet"), 0);
  EXPECT_EQ(counts.size(), 2u);
}

TEST(ReferenceCountsTest, TableSharedByTwoPackagesSurvivesTheDropOfOne) {
  SyncState state;
  state.data_packages["p"]["a"] = Ref("/s/t1.parquet");
  state.data_packages["q"]["a"] = Ref("/s/t1.parquet");
  ReferenceCounts counts(state);
  EXPECT_EQ(counts.Remove("/s/t1.parquet"), 1);
  EXPECT_EQ(counts.Remove("/s/t1.parquet"), 0);
  EXPECT_EQ(counts.count("/s/t1.parquet"), 0);
  EXPECT_EQ(counts.size(), 0u);
  EXPECT_EQ(counts.Remove("/s/t1.parquet"), 0);  // never below zero
  counts.Add("/s/t1.parquet");
  EXPECT_EQ(counts.count("/s/t1.parquet"), 1);
}

}  // namespace
}  // namespace ferry
