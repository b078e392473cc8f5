// The planner alone: pure, no filesystem. Observations are written by hand.
#include "pull/planner.h"

#include <gtest/gtest.h>

namespace ferry::pull {
namespace {

const WorkspaceLayout kLayout("/ws");

ManifestTable Table(const std::string& id, const std::string& name, const std::string& md5) {
  ManifestTable t;
  t.id = id;
  t.name = name;
  t.md5 = md5;
  t.url = "http://s/api/data/" + id + "/download";
  t.size_bytes = 10;
  return t;
}

TableRef Ref(const std::string& id, const std::string& md5, const std::string& dir,
             const std::string& name) {
  TableRef r;
  r.table_id = id;
  r.md5 = md5;
  r.shared_path = kLayout.shared_path(id);
  r.ref_path = kLayout.reference_path(dir, name);
  r.strategy = LinkStrategy::kSymlink;
  return r;
}

TEST(PlannerTest, SameTableInSeveralPackagesIsFetchedOnce) {
  Manifest m;
  m.direct_tables = {Table("a", "a", "m1")};
  m.data_packages = {{"p1", "P1", {Table("a", "a", "m1")}}, {"p2", "P2", {Table("a", "x", "m1")}}};
  Plan plan = MakePlan(m, SyncState{}, Observations{}, kLayout, LinkStrategy::kSymlink);
  ASSERT_EQ(plan.fetches.size(), 1u);
  EXPECT_EQ(plan.fetches[0].shared_path, "/ws/data/_shared/a.parquet");
  ASSERT_EQ(plan.links.size(), 3u);
  for (const LinkAction& a : plan.links) {
    EXPECT_EQ(a.change, EntryChange::kAdd);
    EXPECT_TRUE(a.needs_link);
  }
  EXPECT_EQ(plan.links[2].desired.ref_path, "/ws/data/p2/x.parquet");
}

TEST(PlannerTest, UnchangedAndCurrentIsAnEmptyPlan) {
  Manifest m;
  m.data_packages = {{"p", "P", {Table("a", "a", "m1")}}};
  SyncState st;
  st.data_packages["p"]["a"] = Ref("a", "m1", kLayout.package_dir("p"), "a");
  Observations seen;
  seen.canonical_ok.insert("a");
  seen.current_refs.insert(&st.data_packages["p"]["a"]);
  Plan plan = MakePlan(m, st, seen, kLayout, LinkStrategy::kSymlink);
  EXPECT_TRUE(plan.empty());
  EXPECT_NE(FormatPlanText(plan).find("(nothing to do)"), std::string::npos);
}

TEST(PlannerTest, ChangedMd5IsAnUpdateForEveryReference) {
  Manifest m;
  m.direct_tables = {Table("a", "a", "m2")};
  m.data_packages = {{"p", "P", {Table("a", "a", "m2")}}};
  SyncState st;
  st.direct_tables["a"] = Ref("a", "m1", kLayout.direct_dir(), "a");
  st.data_packages["p"]["a"] = Ref("a", "m1", kLayout.package_dir("p"), "a");
  Plan plan = MakePlan(m, st, Observations{}, kLayout, LinkStrategy::kSymlink);
  ASSERT_EQ(plan.fetches.size(), 1u);
  ASSERT_EQ(plan.links.size(), 2u);
  EXPECT_EQ(plan.links[0].change, EntryChange::kUpdate);
  EXPECT_EQ(plan.links[1].change, EntryChange::kUpdate);
  EXPECT_TRUE(plan.canonical_removals.empty());  // same id: replaced in place, not removed
}

TEST(PlannerTest, DroppedPackageReleasesOnlyUnsharedCanonicals) {
  Manifest m;
  m.data_packages = {{"keep", "K", {Table("shared", "s", "m")}}};
  SyncState st;
  st.data_packages["keep"]["s"] = Ref("shared", "m", kLayout.package_dir("keep"), "s");
  st.data_packages["gone"]["s"] = Ref("shared", "m", kLayout.package_dir("gone"), "s");
  st.data_packages["gone"]["own"] = Ref("own", "m", kLayout.package_dir("gone"), "own");
  Observations seen;
  seen.canonical_ok.insert("shared");
  seen.current_refs.insert(&st.data_packages["keep"]["s"]);
  Plan plan = MakePlan(m, st, seen, kLayout, LinkStrategy::kSymlink);
  EXPECT_EQ(plan.drops.size(), 2u);
  EXPECT_EQ(plan.dropped_packages, std::vector<std::string>{"gone"});
  EXPECT_EQ(plan.canonical_removals, std::vector<std::string>{kLayout.shared_path("own")});
}

TEST(PlannerTest, RefusedEntryKeepsItsPreviousStateEntry) {
  Manifest m;
  m.data_packages = {{"p", "P", {}}};
  m.errors.push_back({Section::kDataPackages, "p", "a", false, "unsafe id"});
  m.errors.push_back({Section::kMemoryDomains, "", "ops", false, "bad url"});
  SyncState st;
  st.data_packages["p"]["a"] = Ref("a", "m", kLayout.package_dir("p"), "a");
  st.memory_domains["ops"] = {"ops", "t", kLayout.bundle_path("ops")};
  Plan plan = MakePlan(m, st, Observations{}, kLayout, LinkStrategy::kSymlink);
  EXPECT_TRUE(plan.drops.empty());
  EXPECT_TRUE(plan.bundle_drops.empty());
  EXPECT_EQ(plan.entry_errors.size(), 2u);
}

TEST(PlannerTest, InconsistentMd5ForOneIdIsAnEntryError) {
  Manifest m;
  m.direct_tables = {Table("a", "a", "m1")};
  m.data_packages = {{"p", "P", {Table("a", "a", "m2")}}};
  Plan plan = MakePlan(m, SyncState{}, Observations{}, kLayout, LinkStrategy::kSymlink);
  ASSERT_EQ(plan.fetches.size(), 1u);
  EXPECT_EQ(plan.fetches[0].md5, "m1");
  ASSERT_EQ(plan.entry_errors.size(), 1u);
  EXPECT_EQ(plan.entry_errors[0].package, "p");
  EXPECT_EQ(plan.links.size(), 1u);
}

TEST(PlannerTest, BundleFetchedWhenTokenDiffersOrFileMissing) {
  Manifest m;
  m.memory_domains = {{"a", "A", "t1", "u"}, {"b", "B", "t2", "u"}, {"c", "C", "t3", "u"}};
  SyncState st;
  st.memory_domains["a"] = {"a", "t1", kLayout.bundle_path("a")};
  st.memory_domains["b"] = {"b", "old", kLayout.bundle_path("b")};
  st.memory_domains["gone"] = {"gone", "x", kLayout.bundle_path("gone")};
  Observations seen;
  seen.present_bundles = {kLayout.bundle_path("a"), kLayout.bundle_path("b")};
  Plan plan = MakePlan(m, st, seen, kLayout, LinkStrategy::kSymlink);
  ASSERT_EQ(plan.bundle_fetches.size(), 2u);
  EXPECT_EQ(plan.bundle_fetches[0].slug, "b");
  EXPECT_FALSE(plan.bundle_fetches[0].is_new);
  EXPECT_EQ(plan.bundle_fetches[1].slug, "c");
  EXPECT_TRUE(plan.bundle_fetches[1].is_new);
  ASSERT_EQ(plan.bundle_drops.size(), 1u);
  EXPECT_EQ(plan.bundle_drops[0].slug, "gone");
}

// "" recorded is a fetch that began and was never recorded as done; "" in the manifest is no
// token at all. Neither can say the file is current.
TEST(PlannerTest, BundleWithAnEmptyTokenIsFetchedAgain) {
  Manifest m;
  m.memory_domains = {{"a", "A", "t1", "u"}, {"b", "B", "", "u"}};
  SyncState st;
  st.memory_domains["a"] = {"a", "", kLayout.bundle_path("a")};
  st.memory_domains["b"] = {"b", "", kLayout.bundle_path("b")};
  Observations seen;
  seen.present_bundles = {kLayout.bundle_path("a"), kLayout.bundle_path("b")};
  Plan plan = MakePlan(m, st, seen, kLayout, LinkStrategy::kSymlink);
  ASSERT_EQ(plan.bundle_fetches.size(), 2u);
  EXPECT_EQ(plan.bundle_fetches[0].slug, "a");
  EXPECT_EQ(plan.bundle_fetches[1].slug, "b");
  EXPECT_TRUE(plan.bundle_keeps.empty());
}

}  // namespace
}  // namespace ferry::pull
