#include "sync/excluding_replica.h"

#include <gtest/gtest.h>

#include "base/mem_env.h"
#include "sync/local_replica.h"
#include "sync/sync_engine.h"
#include "sync/sync_test_util.h"

namespace ferry::sync {
namespace {

using testing::PutFile;
using testing::Tree;
using TreeMap = std::map<std::string, std::string>;

class ExcludingReplicaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(CreateDirs(&env_, "/a").ok());
    ASSERT_TRUE(CreateDirs(&env_, "/b").ok());
  }
  std::unique_ptr<ExcludingReplica> Open(const std::string& root,
                                         std::initializer_list<const char*> patterns) {
    ExcludeRules rules;
    for (const char* p : patterns) EXPECT_TRUE(rules.Add(p).ok()) << p;
    return std::make_unique<ExcludingReplica>(std::make_unique<LocalReplica>(&env_, root),
                                              std::move(rules));
  }
  std::vector<std::string> Listed(Replica* r) {
    std::vector<std::string> out;
    EXPECT_TRUE(r->List([&](ReplicaEntry e) {
                   out.push_back(e.path);
                   return Status::OK();
                 }).ok());
    std::sort(out.begin(), out.end());
    return out;
  }
  Result<SyncReport> Sync(std::initializer_list<const char*> patterns) {
    auto a = Open("/a", patterns);
    auto b = Open("/b", patterns);
    env_.AdvanceClock(1000000000);
    SyncOptions options;
    options.state_dir = "/state";
    return RunSync(&env_, a.get(), b.get(), options);
  }

  MemEnv env_;
};

TEST_F(ExcludingReplicaTest, ListHidesExcludedPathsAndTheirSubtrees) {
  PutFile(&env_, "/a", "keep.md", "k");
  PutFile(&env_, "/a", "x.tmp", "t");
  PutFile(&env_, "/a", "build/out/bin", "b");
  PutFile(&env_, "/a", "src/build", "a file named build");
  auto r = Open("/a", {"*.tmp", "build/"});
  EXPECT_EQ(Listed(r.get()), (std::vector<std::string>{"keep.md", "src", "src/build"}));
  EXPECT_EQ(r->id(), "local:/a");
}

TEST_F(ExcludingReplicaTest, RootHoldingOnlyExcludedEntriesReadsAsEmpty) {
  PutFile(&env_, "/a", "x.tmp", "t");
  EXPECT_EQ(Open("/a", {"*.tmp"})->GetRootState().value(), RootState::kEmpty);
  EXPECT_EQ(Open("/a", {"*.md"})->GetRootState().value(), RootState::kPopulated);
  EXPECT_EQ(Open("/nope", {"*.md"})->GetRootState().value(), RootState::kMissing);
}

TEST_F(ExcludingReplicaTest, ExcludedPathsAreNeverCopiedCountedOrDeleted) {
  PutFile(&env_, "/a", "notes.md", "n");
  PutFile(&env_, "/a", "cache/big.bin", "a's cache");
  PutFile(&env_, "/b", "cache/big.bin", "b's own cache");
  PutFile(&env_, "/b", "scratch.tmp", "b's scratch");
  Result<SyncReport> first = Sync({"/cache/", "*.tmp"});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->plan.conflicts.empty());
  ASSERT_EQ(first->plan.actions.size(), 1u);
  EXPECT_EQ(first->plan.actions[0].path, "notes.md");
  EXPECT_EQ(Tree(&env_, "/b"), (TreeMap{{"cache", "d"},
                                        {"cache/big.bin", "f:b's own cache"},
                                        {"notes.md", "f:n"},
                                        {"scratch.tmp", "f:b's scratch"}}));

  // Deleting the excluded files on one side deletes nothing on the other.
  ASSERT_TRUE(env_.RemoveFile("/a/cache/big.bin").ok());
  Result<SyncReport> second = Sync({"/cache/", "*.tmp"});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE(second->plan.actions.empty());
  EXPECT_EQ(Tree(&env_, "/b").at("cache/big.bin"), "f:b's own cache");
}

}  // namespace
}  // namespace ferry::sync
