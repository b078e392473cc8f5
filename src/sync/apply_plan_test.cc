#include "sync/apply_plan.h"

#include <gtest/gtest.h>

#include "base/mem_env.h"
#include "sync/local_replica.h"
#include "sync/sync_test_util.h"

namespace ferry::sync {
namespace {

using testing::PutFile;
using testing::Tree;
using TreeMap = std::map<std::string, std::string>;

class ApplyPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(CreateDirs(&env_, "/a").ok());
    ASSERT_TRUE(CreateDirs(&env_, "/b").ok());
    options_.state_dir = "/state";
  }
  Result<SyncReport> Sync(bool dry_run) {
    env_.AdvanceClock(1000000000);
    options_.dry_run = dry_run;
    return RunSync(&env_, &a_, &b_, options_);
  }
  // A dry run's plan, through its JSON form, as `--plan-out` then `apply` carry it.
  PlanFile PlanThroughFile() {
    Result<SyncReport> r = Sync(/*dry_run=*/true);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    PlanFile file{a_.id(), b_.id(), env_.NowUnixNanos(), r.ok() ? r->plan : SyncPlan{}};
    Result<PlanFile> back = ParsePlanFile(PlanFileToJson(file).dump(), "plan.json");
    EXPECT_TRUE(back.ok()) << back.status().ToString();
    return back.ok() ? *back : file;
  }
  void Put(const std::string& root, const std::string& rel, const std::string& bytes) {
    env_.AdvanceClock(1000);
    PutFile(&env_, root, rel, bytes);
  }

  MemEnv env_;
  LocalReplica a_{&env_, "/a"};
  LocalReplica b_{&env_, "/b"};
  SyncOptions options_;
  ApplyOptions apply_{"/state", {}};
};

TEST_F(ApplyPlanTest, AppliesThePlanAndTheNextSyncIsANoOp) {
  Put("/a", "x.md", "x");
  Put("/b", "d/y.md", "y");
  PlanFile file = PlanThroughFile();
  EXPECT_EQ(Tree(&env_, "/b"), (TreeMap{{"d", "d"}, {"d/y.md", "f:y"}}));  // dry run

  Result<SyncReport> applied = ApplySavedPlan(&env_, &a_, &b_, file, apply_);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(applied->executed->created, 3u);  // x.md on b, d and d/y.md on a
  EXPECT_EQ(Tree(&env_, "/a"), Tree(&env_, "/b"));

  Result<SyncReport> next = Sync(/*dry_run=*/false);
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_TRUE(next->plan.actions.empty()) << FormatPlanText(next->plan);
  EXPECT_TRUE(next->plan.conflicts.empty());
}

TEST_F(ApplyPlanTest, AnActionWhosePathChangedSinceThePlanIsRefused) {
  Put("/a", "x.md", "v1");
  ASSERT_TRUE(Sync(/*dry_run=*/false).ok());
  Put("/a", "x.md", "v2");
  PlanFile file = PlanThroughFile();
  Put("/b", "x.md", "edited on b after the plan");

  Result<SyncReport> applied = ApplySavedPlan(&env_, &a_, &b_, file, apply_);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(applied->executed->changed, 1u);
  EXPECT_EQ(applied->executed->outcomes[0].status.message(),
            "copy x.md: b's x.md changed during the sync; skipped");
  EXPECT_EQ(Tree(&env_, "/b").at("x.md"), "f:edited on b after the plan");
}

TEST_F(ApplyPlanTest, APlanForOtherReplicasIsRefused) {
  PlanFile file = PlanThroughFile();
  LocalReplica c(&env_, "/c");
  Result<SyncReport> applied = ApplySavedPlan(&env_, &a_, &c, file, apply_);
  EXPECT_EQ(applied.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(applied.status().message(),
            "the plan was made for local:/a and local:/b, not local:/a and local:/c (make a new "
            "plan with ferry sync --dry-run --plan-out)");
}

}  // namespace
}  // namespace ferry::sync
