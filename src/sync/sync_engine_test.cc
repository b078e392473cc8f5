#include "sync/sync_engine.h"

#include <gtest/gtest.h>

#include "base/fault_injection_env.h"
#include "base/file_util.h"
#include "base/mem_env.h"
#include "sync/local_replica.h"
#include "sync/sync_test_util.h"

namespace ferry::sync {
namespace {

using testing::AllVersions;
using testing::PutFile;
using testing::Tree;
using TreeMap = std::map<std::string, std::string>;

class SyncEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(CreateDirs(&env_, "/a").ok());
    ASSERT_TRUE(CreateDirs(&env_, "/b").ok());
    options_.state_dir = "/state";
  }
  Result<SyncReport> Sync(Env* env = nullptr) {
    Env* e = env ? env : &env_;
    LocalReplica a(e, "/a");
    LocalReplica b(e, "/b");
    env_.AdvanceClock(1000000000);  // each sync starts in its own second: distinct backups
    return RunSync(e, &a, &b, options_);
  }
  SyncReport SyncOk() {
    Result<SyncReport> r = Sync();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : SyncReport{};
  }
  void Put(const std::string& root, const std::string& rel, const std::string& bytes) {
    env_.AdvanceClock(1000);  // a new mtime for every write, as a real clock would give
    PutFile(&env_, root, rel, bytes);
  }

  MemEnv env_;
  SyncOptions options_;
};

TEST_F(SyncEngineTest, FirstSyncMergesCopiesAndResolvesConflicts) {
  Put("/a", "same.txt", "same");
  Put("/b", "same.txt", "same");
  Put("/a", "docs/only-a.md", "from a");
  Put("/b", "only-b.md", "from b");
  Put("/b", "both.md", "older on b");
  Put("/a", "both.md", "newer on a");
  SyncReport r = SyncOk();
  TreeMap want = {{"both.md", "f:newer on a"},
                  {"docs", "d"},
                  {"docs/only-a.md", "f:from a"},
                  {"only-b.md", "f:from b"},
                  {"same.txt", "f:same"}};
  EXPECT_EQ(Tree(&env_, "/a"), want);
  EXPECT_EQ(Tree(&env_, "/b"), want);
  EXPECT_EQ(r.plan.equal, 1u);  // same.txt
  ASSERT_EQ(r.plan.conflicts.size(), 1u);
  EXPECT_EQ(r.plan.conflicts[0].winner, Side::kA);
  // B's losing version was kept.
  EXPECT_EQ(AllVersions(&env_, "/b").count("older on b"), 1u);
  EXPECT_EQ(r.executed->created, 3u);  // docs/, docs/only-a.md, only-b.md
  EXPECT_EQ(r.executed->updated, 1u);
}

TEST_F(SyncEngineTest, ASecondSyncIsANoOpThatReadsNothing) {
  Put("/a", "x/1", "one");
  Put("/b", "2", "two");
  SyncOk();
  SyncReport again = SyncOk();
  EXPECT_TRUE(again.plan.empty());
  EXPECT_TRUE(again.plan.conflicts.empty());
  EXPECT_EQ(again.hashed, 0u);
}

// A no-op leaves the baseline file alone (not even rewritten with the same bytes: no temp,
// no fsync); a touch, which changes a stamp, rewrites it.
TEST_F(SyncEngineTest, ANoOpSyncDoesNotRewriteTheBaseline) {
  Put("/a", "x/1", "one");
  std::string path = SyncOk().baseline_path;
  uint64_t inode = env_.LinkStat(path).value().inode;
  SyncOk();
  EXPECT_EQ(env_.LinkStat(path).value().inode, inode);
  ASSERT_TRUE(env_.SetModificationTime("/a/x/1", 5).ok());
  SyncReport touched = SyncOk();
  EXPECT_TRUE(touched.plan.empty());
  EXPECT_NE(env_.LinkStat(path).value().inode, inode);
  Baseline saved = LoadBaseline(&env_, path).value().value();
  ASSERT_NE(saved.Find("x/1"), nullptr);
  EXPECT_EQ(saved.Find("x/1")->a.mtime_ns, 5);
}

// A baseline of format 1 (text, older ferry) is used, and the next sync rewrites it as
// format 2 even when nothing changed.
TEST_F(SyncEngineTest, AFormat1BaselineIsReadAndRewrittenInFormat2) {
  Put("/a", "f", "x");
  Put("/b", "g", "y");
  std::string path = SyncOk().baseline_path;
  Baseline before = LoadBaseline(&env_, path).value().value();
  ASSERT_TRUE(WriteFileAtomically(&env_, path, SerializeBaselineV1Text(before), 0600).ok());
  SyncReport r = SyncOk();
  EXPECT_TRUE(r.plan.empty());
  EXPECT_EQ(r.hashed, 0u);  // the text baseline's stamps were understood
  std::string bytes = ReadFileToString(&env_, path, 1 << 20).value();
  EXPECT_TRUE(bytes.starts_with("ferry-sync-baseline 2\n"));
  Baseline after = LoadBaseline(&env_, path).value().value();
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after.path(i), before.path(i));
    EXPECT_EQ(after.records()[i].hash, before.records()[i].hash);
  }
}

TEST_F(SyncEngineTest, ChangesFlowBothWaysAndDeletionsAreBackedUp) {
  Put("/a", "edit-on-a", "v1");
  Put("/a", "delete-on-b", "doomed");
  Put("/a", "modified-vs-deleted", "base");
  SyncOk();
  Put("/a", "edit-on-a", "v2");
  ASSERT_TRUE(env_.RemoveFile("/b/delete-on-b").ok());
  Put("/a", "modified-vs-deleted", "kept change");
  ASSERT_TRUE(env_.RemoveFile("/b/modified-vs-deleted").ok());
  SyncReport r = SyncOk();
  TreeMap want = {{"edit-on-a", "f:v2"}, {"modified-vs-deleted", "f:kept change"}};
  EXPECT_EQ(Tree(&env_, "/a"), want);
  EXPECT_EQ(Tree(&env_, "/b"), want);
  EXPECT_EQ(AllVersions(&env_, "/a").count("doomed"), 1u);  // in /a/.ferry-trash
  EXPECT_EQ(AllVersions(&env_, "/b").count("v1"), 1u);      // replaced on b, kept
  EXPECT_EQ(r.executed->deleted, 1u);
}

TEST_F(SyncEngineTest, ARenameIsPropagatedAsARename) {
  Put("/a", "old/name.txt", "payload");
  SyncOk();
  ASSERT_TRUE(env_.Rename("/a/old/name.txt", "/a/new-name.txt").ok());
  FileInfo before = env_.LinkStat("/b/old/name.txt").value();
  SyncReport r = SyncOk();
  EXPECT_EQ(r.renames, 1u);
  EXPECT_EQ(r.executed->renamed, 1u);
  EXPECT_EQ(env_.LinkStat("/b/new-name.txt").value().inode, before.inode);  // not re-copied
  EXPECT_EQ(Tree(&env_, "/a"), Tree(&env_, "/b"));
}

TEST_F(SyncEngineTest, DryRunChangesNothing) {
  Put("/a", "f", "x");
  options_.dry_run = true;
  SyncReport r = SyncOk();
  EXPECT_EQ(r.plan.actions.size(), 1u);
  EXPECT_TRUE(Tree(&env_, "/b").empty());
  EXPECT_TRUE(env_.LinkStat(r.baseline_path).status().IsNotFound());
}

TEST_F(SyncEngineTest, TooManyDeletionsAbortBeforeActing) {
  for (int i = 0; i < 4; ++i) Put("/a", "f" + std::to_string(i), "x");
  SyncOk();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(env_.RemoveFile("/a/f" + std::to_string(i)).ok());
  Result<SyncReport> r = Sync();
  EXPECT_EQ(r.status().code(), StatusCode::kRefused);
  EXPECT_EQ(Tree(&env_, "/b").size(), 4u);
  options_.force = true;
  ASSERT_TRUE(Sync().ok());
  EXPECT_EQ(Tree(&env_, "/b").size(), 1u);
}

TEST_F(SyncEngineTest, AnEmptiedRootIsNotSyncedAsEverythingDeleted) {
  Put("/a", "f", "x");
  SyncOk();
  ASSERT_TRUE(env_.RemoveFile("/b/f").ok());  // as an unmounted drive's empty mount point
  Result<SyncReport> r = Sync();
  EXPECT_EQ(r.status().code(), StatusCode::kRefused);
  EXPECT_EQ(Tree(&env_, "/a").size(), 1u);
}

TEST_F(SyncEngineTest, ABaselineOfOtherRootsIsRefused) {
  Put("/a", "f", "x");
  SyncReport first = SyncOk();
  Baseline foreign("local:/elsewhere", "local:/b");
  ASSERT_TRUE(SaveBaseline(&env_, first.baseline_path, foreign).ok());
  Result<SyncReport> r = Sync();
  EXPECT_EQ(r.status().code(), StatusCode::kRefused);
}

TEST_F(SyncEngineTest, OneSyncPerPairAtATime) {
  LocalReplica a(&env_, "/a");
  LocalReplica b(&env_, "/b");
  ASSERT_TRUE(CreateDirs(&env_, "/state").ok());
  std::string lock_path = "/state/" + BaselineFileName(a.id(), b.id()) + ".lock";
  auto held = env_.LockFile(lock_path, "another ferry sync", false);
  ASSERT_TRUE(held.ok());
  Result<SyncReport> r = Sync();
  EXPECT_EQ(r.status().code(), StatusCode::kBusy);
}

TEST_F(SyncEngineTest, AFileChangedAfterThePlanIsSkippedNotClobbered) {
  Put("/a", "f", "v1");
  SyncOk();
  Put("/a", "f", "v2 from a");
  LocalReplica a(&env_, "/a");
  LocalReplica b(&env_, "/b");
  Baseline base = LoadBaseline(&env_, SyncOk().baseline_path).value().value();
  // (That sync copied v2 to b.) Now a change on a, planned, then b edited before executing.
  Put("/a", "f", "v3 from a");
  Observations oa = ObserveReplica(&a, base, Side::kA, 1).value();
  Observations ob = ObserveReplica(&b, base, Side::kB, 1).value();
  SyncPlan plan = Reconcile(oa, ob, base, ReconcileOptions{});
  ASSERT_EQ(plan.actions.size(), 1u);
  Put("/b", "f", "edited on b meanwhile");
  ExecuteResult done = ExecutePlan(&a, &b, plan, env_.NowUnixNanos()).value();
  EXPECT_EQ(done.outcomes[0].result, ActionResult::kChanged);
  EXPECT_EQ(done.outcomes[0].status.message(), "copy f: b's f changed during the sync; skipped");
  EXPECT_EQ(Tree(&env_, "/b").at("f"), "f:edited on b meanwhile");
  Baseline next = NewBaseline(base, oa, ob, done.landed).value();
  ASSERT_NE(next.Find("f"), nullptr);  // the old agreement stays: re-detected next run
  EXPECT_EQ(next.Find("f")->hash, HashBytes("v2 from a"));
}

// Crash model (DESIGN.md): stop the sync before each of its steps in turn, lose what was not
// synced, then sync again: the trees converge and every version is in a tree or a backup.
TEST(SyncCrashTest, ASyncStoppedAtAnyStepConvergesAndLosesNothing) {
  auto setup = [](MemEnv* env) {
    ASSERT_TRUE(CreateDirs(env, "/a").ok());
    ASSERT_TRUE(CreateDirs(env, "/b").ok());
    PutFile(env, "/a", "keep.txt", "keep");
    PutFile(env, "/a", "edit.txt", "edit v1");
    PutFile(env, "/a", "gone.txt", "gone v1");
    PutFile(env, "/a", "move/me.txt", "moving");
    PutFile(env, "/a", "conflict.txt", "base");
    LocalReplica a(env, "/a");
    LocalReplica b(env, "/b");
    SyncOptions o;
    o.state_dir = "/state";
    ASSERT_TRUE(RunSync(env, &a, &b, o).ok());
    env->AdvanceClock(1000000000);
    PutFile(env, "/a", "edit.txt", "edit v2");
    ASSERT_TRUE(env->RemoveFile("/b/gone.txt").ok());
    ASSERT_TRUE(env->Rename("/a/move/me.txt", "/a/moved.txt").ok());
    PutFile(env, "/b", "new/on-b.txt", "new on b");
    env->AdvanceClock(1000);
    PutFile(env, "/b", "conflict.txt", "b's side");
    env->AdvanceClock(1000);
    PutFile(env, "/a", "conflict.txt", "a's side");
    env->MarkAllDurable();
  };
  // Every version that existed when the sync started ("base" was overwritten by the user on
  // both sides before it, so it is not among them).
  const std::multiset<std::string> versions = {"keep",   "edit v1",  "edit v2",  "gone v1",
                                               "moving", "new on b", "b's side", "a's side"};
  auto sync = [](Env* env) {
    LocalReplica a(env, "/a");
    LocalReplica b(env, "/b");
    SyncOptions o;
    o.state_dir = "/state";
    o.max_delete = DeleteLimit{100, true};
    return RunSync(env, &a, &b, o);
  };
  uint64_t steps = 0;
  {
    MemEnv env;
    setup(&env);
    FaultInjectionEnv faults(&env);
    ASSERT_TRUE(sync(&faults).ok());
    steps = faults.steps();
  }
  ASSERT_GT(steps, 10u);
  for (uint64_t k = 0; k <= steps; ++k) {
    SCOPED_TRACE("crash after step " + std::to_string(k));
    MemEnv env;
    setup(&env);
    {
      FaultInjectionEnv faults(&env);
      faults.CrashAfterSteps(k);
      Result<SyncReport> crashed = sync(&faults);
      if (k < steps) {
        ASSERT_FALSE(crashed.ok());
      }
    }
    env.SimulateCrash(MemEnv::CrashOutcome::kLoseUnsynced);
    Result<SyncReport> healed = sync(&env);
    ASSERT_TRUE(healed.ok()) << healed.status().ToString();
    TreeMap ta = Tree(&env, "/a");
    EXPECT_EQ(ta, Tree(&env, "/b"));
    EXPECT_EQ(ta.at("conflict.txt"), "f:a's side");
    EXPECT_EQ(ta.at("edit.txt"), "f:edit v2");
    EXPECT_EQ(ta.count("gone.txt"), 0u);
    std::multiset<std::string> kept = AllVersions(&env, "/a");
    for (const std::string& v : AllVersions(&env, "/b")) kept.insert(v);
    for (const std::string& v : versions) EXPECT_GE(kept.count(v), 1u) << "lost: " << v;
    Result<SyncReport> settled = sync(&env);
    ASSERT_TRUE(settled.ok());
    EXPECT_TRUE(settled->plan.empty()) << "not converged";
  }
}

}  // namespace
}  // namespace ferry::sync
