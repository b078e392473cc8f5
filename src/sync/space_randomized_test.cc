// SyncRandomizedTest's model (sync_randomized_test.cc), with a document space on one side or
// both: random user operations between syncs (create, modify, delete, rename, touch, mkdir,
// rmdir; on a space as another program would make them, in plain SQL), then after every
// sync:
// - the two trees are identical;
// - a path changed on one side only holds that side's version (a deletion included); changed
//   on both, it holds one of the two versions;
// - every file version that existed when the sync started is in a tree or a backup area;
// - the next sync has nothing to do.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <tuple>

#include "base/mem_env.h"
#include "support/temp_dir.h"
#include "sync/replica_under_test.h"
#include "sync/sync_engine.h"

namespace ferry::sync {
namespace {

using testing::NewReplicaUnderTest;
using testing::ReplicaKind;
using testing::ReplicaUnderTest;
using TreeMap = std::map<std::string, std::string>;

class RandomizedPair {
 public:
  RandomizedPair(uint32_t seed, ReplicaUnderTest* a, ReplicaUnderTest* b, MemEnv* env)
      : rng_(seed), sides_{a, b}, env_(env), state_dir_("/state/" + std::to_string(seed)) {}

  void Run(int rounds) {
    for (int round = 0; round < rounds; ++round) {
      SCOPED_TRACE("round " + std::to_string(round));
      std::set<std::string> changed[2];
      int ops = Pick(1, 10);
      for (int i = 0; i < ops; ++i) {
        int side = Pick(0, 1);
        RandomOp(sides_[side], &changed[side]);
      }
      CheckSync(changed);
      if (::testing::Test::HasFailure()) return;
    }
  }

 private:
  int Pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  static std::string In(const std::string& dir, const std::string& name) {
    return dir.empty() ? name : dir + "/" + name;
  }

  // Files are named f<n>, directories d<n>, so a file never meets a directory at one path.
  void RandomOp(ReplicaUnderTest* side, std::set<std::string>* changed) {
    env_->AdvanceClock(Pick(1, 3) * 1000000);
    int64_t now = env_->NowUnixNanos();
    TreeMap tree = side->Tree();
    std::vector<std::string> dirs = {""};
    std::vector<std::string> files;
    for (const auto& [path, what] : tree) (what == "d" ? dirs : files).push_back(path);
    std::string dir = dirs[Pick(0, static_cast<int>(dirs.size()) - 1)];
    int op = Pick(0, 6);
    if (files.empty() && op >= 1 && op <= 4) op = 0;
    std::string file = files.empty() ? "" : files[Pick(0, static_cast<int>(files.size()) - 1)];
    switch (op) {
      case 0:  // create (or overwrite) a file
        file = In(dir, "f" + std::to_string(Pick(0, 5)));
        [[fallthrough]];
      case 1:  // modify
        side->Put(file, "version " + std::to_string(++versions_), now);
        changed->insert(file);
        break;
      case 2:  // delete
        side->Remove(file);
        changed->insert(file);
        break;
      case 3: {  // rename to a free name in some directory
        std::string to = In(dir, "f" + std::to_string(Pick(0, 5)));
        if (tree.count(to) != 0) break;
        side->Rename(file, to);
        changed->insert(file);
        changed->insert(to);
        break;
      }
      case 4:  // touch without change
        side->Touch(file, now);
        break;
      case 5:  // mkdir, two levels at most
        if (!dir.empty() && dir.find('/') != std::string::npos) break;
        side->MakeDir(In(dir, "d" + std::to_string(Pick(0, 2))));
        break;
      case 6:  // rmdir, when empty
        if (!dir.empty()) side->RemoveDirIfEmpty(dir);
        break;
    }
  }

  std::multiset<std::string> AllVersions() {
    std::multiset<std::string> out;
    for (ReplicaUnderTest* side : sides_) {
      for (const auto& [path, what] : side->Tree()) {
        if (what.starts_with("f:")) out.insert(what.substr(2));
      }
      for (const std::string& v : side->Backups()) out.insert(v);
    }
    return out;
  }

  void CheckSync(const std::set<std::string> changed[2]) {
    TreeMap before[2] = {sides_[0]->Tree(), sides_[1]->Tree()};
    std::multiset<std::string> versions = AllVersions();

    SyncOptions options;
    options.state_dir = state_dir_;
    options.force = true;  // a side may legitimately end up empty
    const ConflictPolicy policies[] = {ConflictPolicy::kNewer,  ConflictPolicy::kA,
                                       ConflictPolicy::kB,      ConflictPolicy::kOlder,
                                       ConflictPolicy::kLarger, ConflictPolicy::kKeepBoth};
    options.reconcile.policy = policies[Pick(0, 5)];
    env_->AdvanceClock(1000000000);
    Result<SyncReport> r = RunSync(env_, sides_[0]->replica(), sides_[1]->replica(), options);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    for (size_t i = 0; i < r->plan.actions.size(); ++i) {
      const SyncAction& act = r->plan.actions[i];
      const ActionOutcome& out = r->executed->outcomes[i];
      EXPECT_EQ(out.result, ActionResult::kDone)
          << ActionOpName(act.op) << " " << SideName(act.side) << " " << act.path << ": "
          << out.status.ToString();
    }
    ASSERT_EQ(r->executed->failed + r->executed->changed, 0u);

    TreeMap after = sides_[0]->Tree();
    ASSERT_EQ(after, sides_[1]->Tree());
    auto version = [](const TreeMap& t, const std::string& path) {
      auto it = t.find(path);
      return it == t.end() ? std::string("<absent>") : it->second;
    };
    std::set<std::string> paths;
    for (const auto& [path, what] : after) paths.insert(path);
    for (const auto& [path, what] : synced_) paths.insert(path);
    for (const std::string& path : paths) {
      if (path.find(".conflict-") != std::string::npos) continue;
      std::string now = version(after, path);
      if (now == "d" || version(synced_, path) == "d") continue;
      bool on_a = changed[0].count(path) != 0;
      bool on_b = changed[1].count(path) != 0;
      if (on_a && !on_b) {
        EXPECT_EQ(now, version(before[0], path)) << path;
      } else if (on_b && !on_a) {
        EXPECT_EQ(now, version(before[1], path)) << path;
      } else if (on_a && on_b) {
        EXPECT_TRUE(now == version(before[0], path) || now == version(before[1], path)) << path;
      } else {
        EXPECT_EQ(now, version(synced_, path)) << path << " changed with no change on a side";
      }
    }
    std::multiset<std::string> kept = AllVersions();
    for (const std::string& v : versions) EXPECT_GE(kept.count(v), 1u) << "lost " << v;

    Result<SyncReport> again = RunSync(env_, sides_[0]->replica(), sides_[1]->replica(), options);
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_TRUE(again->plan.empty() && again->plan.conflicts.empty()) << "not converged";
    synced_ = after;
  }

  std::mt19937 rng_;
  ReplicaUnderTest* sides_[2];
  MemEnv* env_;
  std::string state_dir_;
  int versions_ = 0;
  TreeMap synced_;
};

class SpaceRandomizedTest : public ::testing::TestWithParam<std::tuple<ReplicaKind, ReplicaKind>> {
};

TEST_P(SpaceRandomizedTest, TreesMatchTheModelAndNothingIsLost) {
  auto [kind_a, kind_b] = GetParam();
  ferry::testing::TempDir dir;
  MemEnv env;
  auto a = NewReplicaUnderTest(kind_a, &env, dir.path(), "a");
  auto b = NewReplicaUnderTest(kind_b, &env, dir.path(), "b");
  for (uint32_t seed = 1; seed <= 12; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    a->Reset();
    b->Reset();
    RandomizedPair(seed, a.get(), b.get(), &env).Run(10);
    if (::testing::Test::HasFailure()) return;
  }
}

INSTANTIATE_TEST_SUITE_P(
    ReplicaKinds, SpaceRandomizedTest,
    ::testing::Values(std::make_tuple(ReplicaKind::kLocal, ReplicaKind::kSpace),
                      std::make_tuple(ReplicaKind::kSpace, ReplicaKind::kLocal),
                      std::make_tuple(ReplicaKind::kSpace, ReplicaKind::kSpace)),
    [](const ::testing::TestParamInfo<std::tuple<ReplicaKind, ReplicaKind>>& info) {
      return std::string(testing::ReplicaKindName(std::get<0>(info.param))) + "_" +
             std::string(testing::ReplicaKindName(std::get<1>(info.param)));
    });

}  // namespace
}  // namespace ferry::sync
