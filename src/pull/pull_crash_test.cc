// Crash and I/O-error tests for the pull (issue 3 "What it must show"): a pull from manifest M1
// to M2 is stopped at every mutating step in turn (FaultInjectionEnv::CrashAfterSteps), and
// fails with ENOSPC / EIO at each kind of operation; the overlapped pull (default --jobs) is
// stopped at pseudo-random steps over fixed seeds. Every crash is taken with both outcomes a
// real one allows (MemEnv::CrashOutcome): the kernel kept every write, or everything not
// synced (file data since its last fsync, directory entries since the directory's last fsync)
// is lost. Each time:
//   - right after the failure, before any recovery, every reference path and bundle that
//     exists shows a complete, correct version (M1's or M2's bytes), never partial bytes, and
//     every reference that both M1 and M2 hold still exists;
//   - a fresh pull on the underlying env then leaves the four invariants of seed 002 true and
//     M2's exact bytes everywhere.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "base/fault_injection_env.h"
#include "base/mem_env.h"
#include "pull/pull_engine.h"
#include "pull/pull_test_util.h"

namespace ferry::pull {
namespace {

using nlohmann::json;
using testing::AllCrashCases;
using testing::BundleBytes;
using testing::CrashCase;
using testing::CrashCaseName;
using testing::ExpectInvariants;
using testing::FakeCatalog;
using testing::Package;
using testing::ReadAll;
using testing::ReadReference;
using testing::TableBytes;

constexpr char kRoot[] = "/ws";

struct Versions {
  std::map<std::string, int> table;  // id -> version
  std::map<std::string, int> domain;
};

// M1 -> M2 exercises every kind of change: a table's md5 changes (shared by _direct and a
// package), a package is dropped, a package is added sharing a table with the dropped one,
// tables are added to and removed from a package, a direct table is added, a bundle changes,
// one leaves and one arrives.
void SetManifest(FakeCatalog* c, int which) {
  if (which == 1) {
    for (auto [id, v] :
         std::map<std::string, int>{{"tbl_a", 1}, {"tbl_o", 1}, {"tbl_x", 1}, {"tbl_z", 1}}) {
      c->SetTable(id, TableBytes(id, v));
    }
    c->SetBundle("ops", BundleBytes("ops", 1));
    c->SetBundle("finance", BundleBytes("finance", 1));
    c->SetManifest(json::array({c->Entry("tbl_a", "a")}),
                   json::array({Package("sales", json::array({c->Entry("tbl_o", "orders"),
                                                              c->Entry("tbl_a", "a"),
                                                              c->Entry("tbl_z", "z")})),
                                Package("old", json::array({c->Entry("tbl_x", "x")}))}),
                   json::array({c->Domain("ops"), c->Domain("finance")}));
    return;
  }
  for (auto [id, v] : std::map<std::string, int>{
           {"tbl_a", 2}, {"tbl_o", 1}, {"tbl_x", 1}, {"tbl_n", 1}, {"tbl_y", 1}}) {
    c->SetTable(id, TableBytes(id, v));
  }
  c->SetBundle("ops", BundleBytes("ops", 2));
  c->SetBundle("ml", BundleBytes("ml", 1));
  c->SetManifest(
      json::array({c->Entry("tbl_a", "a"), c->Entry("tbl_n", "n")}),
      json::array({Package("sales", json::array({c->Entry("tbl_o", "orders"),
                                                 c->Entry("tbl_a", "a"), c->Entry("tbl_y", "y")})),
                   Package("new", json::array({c->Entry("tbl_x", "x")}))}),
      json::array({c->Domain("ops"), c->Domain("ml")}));
}

// Acceptable contents per path: M1's and M2's.
std::map<std::string, std::set<std::string>> AcceptableBytes(const WorkspaceLayout& l) {
  std::map<std::string, std::set<std::string>> ok;
  auto ref = [&](const std::string& dir, const std::string& name) {
    return l.reference_path(dir, name);
  };
  ok[ref(l.direct_dir(), "a")] = {TableBytes("tbl_a", 1), TableBytes("tbl_a", 2)};
  ok[ref(l.direct_dir(), "n")] = {TableBytes("tbl_n", 1)};
  ok[ref(l.package_dir("sales"), "orders")] = {TableBytes("tbl_o", 1)};
  ok[ref(l.package_dir("sales"), "a")] = {TableBytes("tbl_a", 1), TableBytes("tbl_a", 2)};
  ok[ref(l.package_dir("sales"), "z")] = {TableBytes("tbl_z", 1)};
  ok[ref(l.package_dir("sales"), "y")] = {TableBytes("tbl_y", 1)};
  ok[ref(l.package_dir("old"), "x")] = {TableBytes("tbl_x", 1)};
  ok[ref(l.package_dir("new"), "x")] = {TableBytes("tbl_x", 1)};
  ok[l.bundle_path("ops")] = {BundleBytes("ops", 1), BundleBytes("ops", 2)};
  ok[l.bundle_path("finance")] = {BundleBytes("finance", 1)};
  ok[l.bundle_path("ml")] = {BundleBytes("ml", 1)};
  return ok;
}

// Paths both manifests hold: they must never disappear.
std::vector<std::string> AlwaysPresent(const WorkspaceLayout& l) {
  return {l.reference_path(l.direct_dir(), "a"), l.reference_path(l.package_dir("sales"), "orders"),
          l.reference_path(l.package_dir("sales"), "a"), l.bundle_path("ops")};
}

void ExpectNoPartialBytes(Env* env, const WorkspaceLayout& l, const std::string& where) {
  SCOPED_TRACE(where);
  for (const auto& [path, ok] : AcceptableBytes(l)) {
    Result<FileInfo> info = env->LinkStat(path);
    if (!info.ok()) continue;  // absent is fine (not yet made, or removed)
    if (info->is_symlink() && !env->Stat(path).ok()) {
      // A symlink whose canonical is gone for a moment would be a broken view: not allowed.
      ADD_FAILURE() << "dangling symlink at " << path;
      continue;
    }
    std::string got = ReadReference(env, path);
    EXPECT_TRUE(ok.count(got)) << path << " shows " << got.size() << " bytes that are neither "
                               << "the old nor the new version";
  }
  for (const std::string& path : AlwaysPresent(l)) {
    EXPECT_TRUE(env->Stat(path).ok()) << path << " vanished although both manifests hold it";
  }
}

class PullCrashTest : public ::testing::TestWithParam<CrashCase> {
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
    o.jobs = 1;  // deterministic step order, so step k means the same thing on every run
    o.retry.max_attempts = 1;
    o.link_order = *ParseLinkOrder(GetParam().order);
    return o;
  }

  // A workspace pulled cleanly at M1, with M2 now on the server.
  std::unique_ptr<World> AtM1() {
    auto w = std::make_unique<World>();
    SetManifest(&w->catalog, 1);
    Result<PullOutcome> r = RunPull(&w->mem, &w->http, Options());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->report.total_errors(), 0);
    ExpectInvariants(&w->mem, WorkspaceLayout(kRoot), w->catalog, "M1");
    // Between two pulls the kernel writes everything back: M1 is on the disk.
    w->mem.MarkAllDurable();
    SetManifest(&w->catalog, 2);
    w->mem.AdvanceClock(10'000'000'000);
    return w;
  }

  // The process died at the injected crash; the machine may have lost what was not synced.
  void Crash(World* w) { w->mem.SimulateCrash(GetParam().outcome); }

  void RecoverAndCheck(World* w, const std::string& where) {
    w->mem.AdvanceClock(10'000'000'000);
    Result<PullOutcome> r = RunPull(&w->mem, &w->http, Options());
    ASSERT_TRUE(r.ok()) << where << ": " << r.status().ToString();
    EXPECT_EQ(r->report.total_errors(), 0) << where << "\n" << FormatSyncReportText(r->report);
    EXPECT_TRUE(r->report.invariant_violations.empty()) << where;
    ExpectInvariants(&w->mem, WorkspaceLayout(kRoot), w->catalog, where + ", after recovery");
  }
};

TEST_P(PullCrashTest, CrashAtEveryStepThenNextPullConverges) {
  int64_t total_steps = 0;
  {
    auto w = AtM1();
    FaultInjectionEnv counting(&w->mem);
    Result<PullOutcome> r = RunPull(&counting, &w->http, Options());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    total_steps = counting.steps();
    ExpectInvariants(&w->mem, WorkspaceLayout(kRoot), w->catalog, "clean M2");
  }
  ASSERT_GT(total_steps, 20);
  for (int64_t k = 0; k < total_steps; ++k) {
    const std::string where = "crash after step " + std::to_string(k);
    auto w = AtM1();
    FaultInjectionEnv faulty(&w->mem);
    faulty.CrashAfterSteps(k);
    Result<PullOutcome> crashed = RunPull(&faulty, &w->http, Options());
    (void)crashed;  // failing or partially failing is the point
    EXPECT_TRUE(faulty.crashed()) << where;
    Crash(w.get());
    ExpectNoPartialBytes(&w->mem, WorkspaceLayout(kRoot), where + ", before recovery");
    RecoverAndCheck(w.get(), where);
    if (HasFailure()) {
      std::string log;
      for (const std::string& s : faulty.log()) log += "  " + s + "\n";
      FAIL() << "stopping at " << where << "; steps that ran:\n" << log;
    }
  }
}

// The same crashes, but by the recovery pull the catalog went back to M1: every table M2
// brought (a new direct table, a package table, a new package) has left the stack again, so
// whatever the crashed pull linked must leave the disk, and the bundle M2 changed must hold
// M1's bytes again. That holds only because each link is
// recorded (intent) before it is made: a reference the state does not name would be left
// behind, or taken for the user's own file.
TEST_P(PullCrashTest, CrashAtEveryStepThenThePullOfTheOldStackRemovesWhatItLinked) {
  int64_t total_steps = 0;
  {
    auto w = AtM1();
    FaultInjectionEnv counting(&w->mem);
    Result<PullOutcome> r = RunPull(&counting, &w->http, Options());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    total_steps = counting.steps();
  }
  for (int64_t k = 0; k < total_steps; ++k) {
    const std::string where = "crash after step " + std::to_string(k) + ", then back to M1";
    auto w = AtM1();
    FaultInjectionEnv faulty(&w->mem);
    faulty.CrashAfterSteps(k);
    (void)RunPull(&faulty, &w->http, Options());
    Crash(w.get());
    SetManifest(&w->catalog, 1);
    w->mem.AdvanceClock(10'000'000'000);
    Result<PullOutcome> r = RunPull(&w->mem, &w->http, Options());
    ASSERT_TRUE(r.ok()) << where << ": " << r.status().ToString();
    const WorkspaceLayout l(kRoot);
    for (const std::string& kept : AlwaysPresent(l)) {
      EXPECT_TRUE(w->mem.Stat(kept).ok()) << where << ": " << kept << " vanished";
    }
    for (const std::string& gone :
         {l.reference_path(l.direct_dir(), "n"), l.reference_path(l.package_dir("sales"), "y"),
          l.reference_path(l.package_dir("new"), "x")}) {
      EXPECT_FALSE(w->mem.LinkStat(gone).ok()) << where << ": " << gone << " is still there";
    }
    // Every file holds M1's bytes again, bundles too: a bundle the crashed pull rewrote must
    // not be kept because the state still names the token it replaced.
    ExpectInvariants(&w->mem, l, w->catalog, where);
    if (HasFailure()) FAIL() << "stopping at " << where;
  }
}

TEST_P(PullCrashTest, NoSpaceOrIoErrorAtEachKindOfOperationKeepsPreviousFiles) {
  const FaultOp kOps[] = {FaultOp::kOpenWrite, FaultOp::kAppend,  FaultOp::kSync,
                          FaultOp::kClose,     FaultOp::kChmod,   FaultOp::kTruncate,
                          FaultOp::kRemove,    FaultOp::kRename,  FaultOp::kCreateDir,
                          FaultOp::kRemoveDir, FaultOp::kSyncDir, FaultOp::kSymlink,
                          FaultOp::kHardLink,  FaultOp::kReflink};
  for (FaultOp op : kOps) {
    for (StatusCode code : {StatusCode::kNoSpace, StatusCode::kIoError}) {
      for (bool always : {false, true}) {
        const std::string where = std::string(FaultOpName(op)) + " fails with " +
                                  std::string(StatusCodeName(code)) +
                                  (always ? " every time" : " once");
        auto w = AtM1();
        FaultInjectionEnv faulty(&w->mem);
        if (always) {
          faulty.FailAlways(op, code);
        } else {
          faulty.FailNth(op, 1, code);
        }
        Result<PullOutcome> r = RunPull(&faulty, &w->http, Options());
        if (r.ok() && always) {
          // Whatever could not be done is an error in the report, never silent: if the pull
          // claims full success, the faulty operation must not have been needed.
          if (r->report.total_errors() == 0 && r->report.invariant_violations.empty()) {
            ExpectInvariants(&w->mem, WorkspaceLayout(kRoot), w->catalog, where + " (no-op)");
          }
        }
        ExpectNoPartialBytes(&w->mem, WorkspaceLayout(kRoot), where);
        RecoverAndCheck(w.get(), where);
        if (HasFailure()) FAIL() << "stopping at " << where;
      }
    }
  }
}

// The default --jobs path: downloads, links and removals overlap, so step k is not the same
// operation from run to run. Crashes at pseudo-random step counts over fixed seeds; after each,
// no reference shows partial bytes and a recovery pull converges.
TEST_P(PullCrashTest, OverlappedPullCrashedAtRandomStepsRecovers) {
  PullOptions parallel = Options();
  parallel.jobs = PullOptions().jobs;
  int64_t total_steps = 0;
  {
    auto w = AtM1();
    FaultInjectionEnv counting(&w->mem);
    Result<PullOutcome> r = RunPull(&counting, &w->http, parallel);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    total_steps = counting.steps();
  }
  ASSERT_GT(total_steps, 20);
  for (uint32_t seed = 1; seed <= 24; ++seed) {
    uint32_t x = seed * 2654435761u;
    x ^= x >> 13;
    const int64_t k = static_cast<int64_t>(x % static_cast<uint32_t>(total_steps));
    const std::string where =
        "seed " + std::to_string(seed) + ": crash after step " + std::to_string(k);
    auto w = AtM1();
    FaultInjectionEnv faulty(&w->mem);
    faulty.CrashAfterSteps(k);
    Result<PullOutcome> crashed = RunPull(&faulty, &w->http, parallel);
    (void)crashed;
    Crash(w.get());
    ExpectNoPartialBytes(&w->mem, WorkspaceLayout(kRoot), where + ", before recovery");
    RecoverAndCheck(w.get(), where);
    if (HasFailure()) FAIL() << "stopping at " << where;
  }
}

INSTANTIATE_TEST_SUITE_P(LinkStrategiesAndCrashes, PullCrashTest,
                         ::testing::ValuesIn(AllCrashCases()), CrashCaseName);

}  // namespace
}  // namespace ferry::pull
