// Crash tests for partitioned tables (a table with `parts`: a directory canonical, swapped in
// whole by InstallCanonical, and references that are a symlink to it or a directory of
// per-part links or copies). A pull from P1 to P2 adds one, updates one (a part changes, a
// part leaves, a part and a subdirectory arrive) and drops one, and is stopped at every
// mutating step under both crash outcomes of MemEnv (the kernel kept every write, or lost all
// that was not synced). Each time:
//   - before any recovery, every reference that exists shows one whole version of its table
//     (never a mix of parts, never a missing part), and a symlink that dangles points at a
//     canonical the recovery rule of content_store.h brings back;
//   - a fresh pull then leaves the invariants of pull_test_util.h true, canonicals included.
// pull_crash_test.cc does the same for single-file tables and bundles.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "base/fault_injection_env.h"
#include "base/mem_env.h"
#include "pull/pull_engine.h"
#include "pull/pull_test_util.h"
#include "store/content_store.h"
#include "store/link_paths.h"

namespace ferry::pull {
namespace {

using nlohmann::json;
using testing::AllCrashCases;
using testing::CrashCase;
using testing::CrashCaseName;
using testing::ExpectInvariants;
using testing::FakeCatalog;
using testing::Package;
using testing::PartBytes;
using testing::PartsText;
using testing::ReadReference;
using testing::TableBytes;

constexpr char kRoot[] = "/ws";

PartBytes EventsV1() {
  return {{"01.parquet", TableBytes("ev01", 1)}, {"02.parquet", TableBytes("ev02", 1)}};
}
// 01 changes, 02 leaves, 2026/03 arrives in a new subdirectory.
PartBytes EventsV2() {
  return {{"01.parquet", TableBytes("ev01", 2)}, {"2026/03.parquet", TableBytes("ev03", 1)}};
}
PartBytes Gone() { return {{"a.parquet", TableBytes("gone", 1)}}; }
PartBytes Fresh() {
  return {{"x/1.parquet", TableBytes("fresh1", 1)}, {"x/2.parquet", TableBytes("fresh2", 1)}};
}

// P1: events (in a package and direct) and gone (in a package of its own) beside a single-file
// table; P2: events updated, gone dropped with its package, fresh added.
void SetManifest(FakeCatalog* c, int which) {
  c->SetTable("tbl_a", TableBytes("tbl_a", 1));
  if (which == 1) {
    c->SetPartitionedTable("events", EventsV1());
    c->SetPartitionedTable("gone", Gone());
    c->SetManifest(
        json::array({c->Entry("events", "events")}),
        json::array(
            {Package("sales", json::array({c->Entry("events", "events"), c->Entry("tbl_a", "a")})),
             Package("old", json::array({c->Entry("gone", "gone")}))}),
        json::array());
    return;
  }
  c->SetPartitionedTable("events", EventsV2());
  c->SetPartitionedTable("fresh", Fresh());
  c->SetManifest(
      json::array({c->Entry("events", "events"), c->Entry("fresh", "fresh")}),
      json::array(
          {Package("sales", json::array({c->Entry("events", "events"), c->Entry("tbl_a", "a")}))}),
      json::array());
}

// Acceptable texts per reference path: each version that path may show.
std::map<std::string, std::set<std::string>> AcceptableTexts(const WorkspaceLayout& l) {
  const std::set<std::string> events = {PartsText(EventsV1()), PartsText(EventsV2())};
  return {{l.reference_path(l.direct_dir(), "events"), events},
          {l.reference_path(l.package_dir("sales"), "events"), events},
          {l.reference_path(l.package_dir("old"), "gone"), {PartsText(Gone())}},
          {l.reference_path(l.direct_dir(), "fresh"), {PartsText(Fresh())}},
          {l.reference_path(l.package_dir("sales"), "a"), {TableBytes("tbl_a", 1)}}};
}

// Unlike a file, a directory cannot be replaced by one rename (content_store.h, linker.h):
// between two renames the canonical sits at its aside name (a symlink to it dangles until
// RecoverInterruptedInstall renames it back), and a reference directory being replaced is
// parked at a temp name (ref_path missing until the next pull re-makes it). Both are the
// documented windows; what may never show is a mix of versions or a missing part.
void ExpectWholeVersions(Env* env, const WorkspaceLayout& l, const std::string& where) {
  SCOPED_TRACE(where);
  for (const auto& [path, ok] : AcceptableTexts(l)) {
    Result<FileInfo> info = env->LinkStat(path);
    if (!info.ok()) continue;  // not made yet, removed, or parked while being replaced
    if (info->is_symlink() && !env->Stat(path).ok()) {
      Result<std::string> target = env->ReadLink(path);
      ASSERT_TRUE(target.ok()) << path;
      const std::string shared = ResolveSymlinkTarget(path, *target);
      EXPECT_TRUE(env->LinkStat(AsidePathFor(shared)).ok())
          << "dangling symlink at " << path << " with no aside to recover " << shared << " from";
      continue;
    }
    const std::string got = ReadReference(env, path);
    EXPECT_TRUE(ok.count(got)) << path << " shows neither version: " << got.substr(0, 200);
  }
}

class PartitionedPullCrashTest : public ::testing::TestWithParam<CrashCase> {
 protected:
  struct World {
    MemEnv mem;
    ScriptedHttpClient http;
    FakeCatalog catalog{&http};
  };

  PullOptions Options() const {
    PullOptions o;
    o.workspace = kRoot;
    o.server_url = testing::kServer;
    o.jobs = 1;  // step k is the same operation on every run
    o.retry.max_attempts = 1;
    o.link_order = *ParseLinkOrder(GetParam().order);
    return o;
  }

  std::unique_ptr<World> AtP1() {
    auto w = std::make_unique<World>();
    SetManifest(&w->catalog, 1);
    Result<PullOutcome> r = RunPull(&w->mem, &w->http, Options());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->report.total_errors(), 0) << FormatSyncReportText(r->report);
    ExpectInvariants(&w->mem, WorkspaceLayout(kRoot), w->catalog, "P1");
    w->mem.MarkAllDurable();  // between two pulls the kernel writes everything back
    SetManifest(&w->catalog, 2);
    w->mem.AdvanceClock(10'000'000'000);
    return w;
  }
};

TEST_P(PartitionedPullCrashTest, AddUpdateAndDropCrashedAtEveryStepThenNextPullConverges) {
  int64_t total_steps = 0;
  {
    auto w = AtP1();
    FaultInjectionEnv counting(&w->mem);
    Result<PullOutcome> r = RunPull(&counting, &w->http, Options());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->report.total_errors(), 0) << FormatSyncReportText(r->report);
    total_steps = counting.steps();
    ExpectInvariants(&w->mem, WorkspaceLayout(kRoot), w->catalog, "clean P2");
  }
  ASSERT_GT(total_steps, 20);
  for (int64_t k = 0; k < total_steps; ++k) {
    const std::string where = "crash after step " + std::to_string(k);
    auto w = AtP1();
    FaultInjectionEnv faulty(&w->mem);
    faulty.CrashAfterSteps(k);
    Result<PullOutcome> crashed = RunPull(&faulty, &w->http, Options());
    (void)crashed;  // failing part-way is the point
    EXPECT_TRUE(faulty.crashed()) << where;
    w->mem.SimulateCrash(GetParam().outcome);
    ExpectWholeVersions(&w->mem, WorkspaceLayout(kRoot), where + ", before recovery");
    w->mem.AdvanceClock(10'000'000'000);
    Result<PullOutcome> r = RunPull(&w->mem, &w->http, Options());
    ASSERT_TRUE(r.ok()) << where << ": " << r.status().ToString();
    EXPECT_EQ(r->report.total_errors(), 0) << where << "\n" << FormatSyncReportText(r->report);
    EXPECT_TRUE(r->report.invariant_violations.empty()) << where;
    ExpectInvariants(&w->mem, WorkspaceLayout(kRoot), w->catalog, where + ", after recovery");
    if (HasFailure()) {
      std::string log;
      for (const std::string& s : faulty.log()) log += "  " + s + "\n";
      FAIL() << "stopping at " << where << "; steps that ran:\n" << log;
    }
  }
}

// What a pull reported done survives a crash with no pull after it: every reference it made
// or replaced, and every removal, is on the disk before RunPull returns (the batched directory
// fsyncs of the linker and the executor), not only "re-created by the next pull".
TEST_P(PartitionedPullCrashTest, CompletedPullSurvivesACrashWithoutRecovery) {
  auto w = AtP1();
  Result<PullOutcome> r = RunPull(&w->mem, &w->http, Options());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->report.total_errors(), 0) << FormatSyncReportText(r->report);
  w->mem.SimulateCrash(GetParam().outcome);
  ExpectInvariants(&w->mem, WorkspaceLayout(kRoot), w->catalog, "P2, crashed after the pull");
}

INSTANTIATE_TEST_SUITE_P(LinkStrategiesAndCrashes, PartitionedPullCrashTest,
                         ::testing::ValuesIn(AllCrashCases()), CrashCaseName);

}  // namespace
}  // namespace ferry::pull
