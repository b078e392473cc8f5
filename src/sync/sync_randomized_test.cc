// The sync engine against a simple model (STYLE.md "one randomized test per engine"): random
// operations on both replicas between syncs, then after every sync:
// - the two trees are identical;
// - a path changed on one side only holds that side's version (a deletion included); changed
//   on both, it holds one of the two versions, a present one over a deletion;
// - every file version that existed when the sync started is in a tree or a backup area;
// - the next sync has nothing to do.
#include <gtest/gtest.h>

#include <random>

#include "base/mem_env.h"
#include "sync/local_replica.h"
#include "sync/sync_engine.h"
#include "sync/sync_test_util.h"

namespace ferry::sync {
namespace {

using testing::AllVersions;
using testing::Tree;
using TreeMap = std::map<std::string, std::string>;

class RandomizedSync {
 public:
  explicit RandomizedSync(uint32_t seed) : rng_(seed) {
    EXPECT_TRUE(CreateDirs(&env_, "/a").ok());
    EXPECT_TRUE(CreateDirs(&env_, "/b").ok());
  }

  void Run(int rounds) {
    for (int round = 0; round < rounds; ++round) {
      SCOPED_TRACE("round " + std::to_string(round));
      std::set<std::string> changed[2];
      int ops = Pick(1, 12);
      for (int i = 0; i < ops; ++i) {
        int side = Pick(0, 1);
        RandomOp(side == 0 ? "/a" : "/b", &changed[side]);
      }
      CheckSync(changed);
      if (::testing::Test::HasFailure()) return;
    }
  }

 private:
  int Pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  // Files are named f<n>, directories d<n>, so a file never meets a directory at one path.
  std::vector<std::string> Dirs(const std::string& root) {
    std::vector<std::string> out = {""};
    for (const auto& [path, what] : Tree(&env_, root)) {
      if (what == "d") out.push_back(path);
    }
    return out;
  }
  std::vector<std::string> Files(const std::string& root) {
    std::vector<std::string> out;
    for (const auto& [path, what] : Tree(&env_, root)) {
      if (what != "d") out.push_back(path);
    }
    return out;
  }
  std::string In(const std::string& dir, const std::string& name) {
    return dir.empty() ? name : dir + "/" + name;
  }

  void RandomOp(const std::string& root, std::set<std::string>* changed) {
    env_.AdvanceClock(Pick(1, 3) * 1000000);
    std::vector<std::string> dirs = Dirs(root);
    std::vector<std::string> files = Files(root);
    std::string dir = dirs[Pick(0, dirs.size() - 1)];
    int op = Pick(0, 6);
    if (files.empty() && op >= 1 && op <= 4) op = 0;
    std::string file = files.empty() ? "" : files[Pick(0, files.size() - 1)];
    switch (op) {
      case 0: {  // create (or overwrite) a file
        std::string path = In(dir, "f" + std::to_string(Pick(0, 5)));
        Write(root, path);
        changed->insert(path);
        break;
      }
      case 1:  // modify
        Write(root, file);
        changed->insert(file);
        break;
      case 2:  // delete
        ASSERT_TRUE(env_.RemoveFile(JoinPath(root, file)).ok());
        changed->insert(file);
        break;
      case 3: {  // rename to a free name in some directory
        std::string to = In(dir, "f" + std::to_string(Pick(0, 5)));
        if (Tree(&env_, root).count(to) != 0) break;
        ASSERT_TRUE(env_.Rename(JoinPath(root, file), JoinPath(root, to)).ok());
        changed->insert(file);
        changed->insert(to);
        break;
      }
      case 4:  // touch without change
        ASSERT_TRUE(env_.SetModificationTime(JoinPath(root, file), env_.NowUnixNanos()).ok());
        break;
      case 5: {  // mkdir
        if (PathSegments(dir).size() >= 2) break;
        ASSERT_TRUE(
            CreateDirs(&env_, JoinPath(root, In(dir, "d" + std::to_string(Pick(0, 2))))).ok());
        break;
      }
      case 6: {  // rmdir, when empty
        if (dir.empty()) break;
        Status s = env_.RemoveDir(JoinPath(root, dir));
        ASSERT_TRUE(s.ok() || s.code() == StatusCode::kIoError ||
                    s.code() == StatusCode::kAlreadyExists || !s.IsNotFound())
            << s.ToString();
        break;
      }
    }
  }

  void Write(const std::string& root, const std::string& path) {
    std::string content = "version " + std::to_string(++versions_);
    testing::PutFile(&env_, root, path, content);
  }

  void CheckSync(const std::set<std::string> changed[2]) {
    TreeMap before_a = Tree(&env_, "/a");
    TreeMap before_b = Tree(&env_, "/b");
    std::multiset<std::string> before = AllVersions(&env_, "/a");
    for (const std::string& v : AllVersions(&env_, "/b")) before.insert(v);

    SyncOptions options;
    options.state_dir = "/state";
    options.force = true;  // a side may legitimately end up empty
    const ConflictPolicy policies[] = {ConflictPolicy::kNewer,  ConflictPolicy::kA,
                                       ConflictPolicy::kB,      ConflictPolicy::kOlder,
                                       ConflictPolicy::kLarger, ConflictPolicy::kKeepBoth};
    options.reconcile.policy = policies[Pick(0, 5)];
    env_.AdvanceClock(1000000000);
    LocalReplica a(&env_, "/a");
    LocalReplica b(&env_, "/b");
    Result<SyncReport> r = RunSync(&env_, &a, &b, options);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    for (size_t i = 0; i < r->plan.actions.size(); ++i) {
      const SyncAction& act = r->plan.actions[i];
      const ActionOutcome& out = r->executed->outcomes[i];
      EXPECT_EQ(out.result, ActionResult::kDone)
          << ActionOpName(act.op) << " " << SideName(act.side) << " " << act.path << ": "
          << out.status.ToString();
    }
    ASSERT_EQ(r->executed->failed + r->executed->changed, 0u);

    TreeMap after = Tree(&env_, "/a");
    ASSERT_EQ(after, Tree(&env_, "/b"));
    for (const auto& [path, what] : after) {
      if (what == "d" || path.find(".conflict-") != std::string::npos) continue;
      bool on_a = changed[0].count(path) != 0;
      bool on_b = changed[1].count(path) != 0;
      auto version = [&](const TreeMap& t) {
        auto it = t.find(path);
        return it == t.end() ? std::string("<absent>") : it->second;
      };
      if (on_a && !on_b) {
        EXPECT_EQ(what, version(before_a)) << path;
      }
      if (on_b && !on_a) {
        EXPECT_EQ(what, version(before_b)) << path;
      }
      if (on_a && on_b) {
        EXPECT_TRUE(what == version(before_a) || what == version(before_b)) << path;
      }
    }
    for (const auto& [path, what] : synced_) {
      if (what == "d" || after.count(path) != 0) continue;
      // Gone: it must have been deleted (or renamed away) on a side that changed it, and not
      // be present on a side where it was the only change.
      bool on_a = changed[0].count(path) != 0;
      bool on_b = changed[1].count(path) != 0;
      EXPECT_TRUE(on_a || on_b) << path << " vanished without a change";
      if (on_a && !on_b) {
        EXPECT_EQ(before_a.count(path), 0u) << path;
      }
      if (on_b && !on_a) {
        EXPECT_EQ(before_b.count(path), 0u) << path;
      }
    }
    std::multiset<std::string> kept = AllVersions(&env_, "/a");
    for (const std::string& v : AllVersions(&env_, "/b")) kept.insert(v);
    for (const std::string& v : before) EXPECT_GE(kept.count(v), 1u) << "lost " << v;

    Result<SyncReport> again = RunSync(&env_, &a, &b, options);
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_TRUE(again->plan.empty() && again->plan.conflicts.empty()) << "not converged";
    synced_ = after;
  }

  MemEnv env_;
  std::mt19937 rng_;
  int versions_ = 0;
  TreeMap synced_;
};

TEST(SyncRandomizedTest, TreesMatchTheModelAndNothingIsLost) {
  for (uint32_t seed = 1; seed <= 60; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    RandomizedSync(seed).Run(12);
    if (::testing::Test::HasFailure()) return;
  }
}

}  // namespace
}  // namespace ferry::sync
