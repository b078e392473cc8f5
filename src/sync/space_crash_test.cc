// SyncCrashTest (sync_engine_test.cc) with a document space as B: the sync stops before each
// of its steps on the local side and the state directory in turn (FaultInjectionEnv), what was
// not synced there is lost (MemEnv::SimulateCrash), while what the space committed stays
// committed (SQLite's own durability, space_db.h). The next sync must converge and every
// version must be in a tree or a backup area.
#include <gtest/gtest.h>

#include <set>

#include "base/fault_injection_env.h"
#include "base/mem_env.h"
#include "support/temp_dir.h"
#include "sync/local_replica.h"
#include "sync/replica_under_test.h"
#include "sync/sync_engine.h"

namespace ferry::sync {
namespace {

using testing::AllVersions;
using testing::PutFile;
using testing::ReplicaUnderTest;
using testing::SpaceUnderTest;
using testing::Tree;
using TreeMap = std::map<std::string, std::string>;

Result<SyncReport> SyncPair(Env* env, ReplicaUnderTest* b) {
  LocalReplica a(env, "/a");
  SyncOptions o;
  o.state_dir = "/state";
  o.max_delete = DeleteLimit{100, true};
  return RunSync(env, &a, b->replica(), o);
}

void MakeScene(MemEnv* env, ReplicaUnderTest* b) {
  b->Reset();
  ASSERT_TRUE(CreateDirs(env, "/a").ok());
  PutFile(env, "/a", "keep.txt", "keep");
  PutFile(env, "/a", "edit.txt", "edit v1");
  PutFile(env, "/a", "gone.txt", "gone v1");
  PutFile(env, "/a", "move/me.txt", "moving");
  PutFile(env, "/a", "conflict.txt", "base");
  ASSERT_TRUE(SyncPair(env, b).ok());
  env->AdvanceClock(1000000000);
  PutFile(env, "/a", "edit.txt", "edit v2");
  b->Remove("gone.txt");
  ASSERT_TRUE(env->Rename("/a/move/me.txt", "/a/moved.txt").ok());
  b->Put("new/on-b.txt", "new on b", env->NowUnixNanos());
  env->AdvanceClock(1000);
  b->Put("conflict.txt", "b's side", env->NowUnixNanos());
  env->AdvanceClock(1000);
  PutFile(env, "/a", "conflict.txt", "a's side");
  env->MarkAllDurable();
}

TEST(SpaceCrashTest, ASyncStoppedAtAnyLocalStepConvergesAndLosesNothing) {
  ferry::testing::TempDir dir;
  SpaceUnderTest b(dir.Join("b.db"));
  const std::multiset<std::string> versions = {"keep",   "edit v1",  "edit v2",  "gone v1",
                                               "moving", "new on b", "b's side", "a's side"};
  int64_t steps = 0;
  {
    MemEnv env;
    MakeScene(&env, &b);
    FaultInjectionEnv faults(&env);
    ASSERT_TRUE(SyncPair(&faults, &b).ok());
    steps = faults.steps();
  }
  ASSERT_GT(steps, 10);
  for (int64_t k = 0; k <= steps; ++k) {
    SCOPED_TRACE("crash after step " + std::to_string(k));
    MemEnv env;
    MakeScene(&env, &b);
    {
      FaultInjectionEnv faults(&env);
      faults.CrashAfterSteps(k);
      Result<SyncReport> crashed = SyncPair(&faults, &b);
      if (k < steps) {
        ASSERT_FALSE(crashed.ok());
      }
    }
    env.SimulateCrash(MemEnv::CrashOutcome::kLoseUnsynced);
    Result<SyncReport> healed = SyncPair(&env, &b);
    ASSERT_TRUE(healed.ok()) << healed.status().ToString();
    TreeMap ta = Tree(&env, "/a");
    EXPECT_EQ(ta, b.Tree());
    EXPECT_EQ(ta.at("conflict.txt"), "f:a's side");
    EXPECT_EQ(ta.at("edit.txt"), "f:edit v2");
    EXPECT_EQ(ta.count("gone.txt"), 0u);
    std::multiset<std::string> kept = AllVersions(&env, "/a");
    for (const auto& [path, what] : b.Tree()) {
      if (what.starts_with("f:")) kept.insert(what.substr(2));
    }
    for (const std::string& v : b.Backups()) kept.insert(v);
    for (const std::string& v : versions) EXPECT_GE(kept.count(v), 1u) << "lost: " << v;
    Result<SyncReport> settled = SyncPair(&env, &b);
    ASSERT_TRUE(settled.ok());
    EXPECT_TRUE(settled->plan.empty()) << "not converged";
    if (::testing::Test::HasFailure()) return;
  }
}

}  // namespace
}  // namespace ferry::sync
