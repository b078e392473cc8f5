// --backup-dir: every version a sync replaces or deletes lands under the chosen directory of
// its replica (ExecuteOptions::backup_dir), and that directory is never synced itself.
#include <gtest/gtest.h>

#include "base/mem_env.h"
#include "sync/excluding_replica.h"
#include "sync/local_replica.h"
#include "sync/sync_engine.h"
#include "sync/sync_test_util.h"

namespace ferry::sync {
namespace {

using testing::PutFile;
using testing::Tree;
using TreeMap = std::map<std::string, std::string>;

class BackupDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(CreateDirs(&env_, "/a").ok());
    ASSERT_TRUE(CreateDirs(&env_, "/b").ok());
    options_.state_dir = "/state";
    options_.execute.backup_dir = ".versions";
  }
  // The replicas as the CLI builds them: the backup dir hidden from the walk.
  std::unique_ptr<Replica> Open(const std::string& root) {
    ExcludeRules rules;
    EXPECT_TRUE(rules.Add("/.versions/").ok());
    return std::make_unique<ExcludingReplica>(std::make_unique<LocalReplica>(&env_, root),
                                              std::move(rules));
  }
  void SyncOk() {
    auto a = Open("/a");
    auto b = Open("/b");
    env_.AdvanceClock(1000000000);
    Result<SyncReport> r = RunSync(&env_, a.get(), b.get(), options_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  void Put(const std::string& root, const std::string& rel, const std::string& bytes) {
    env_.AdvanceClock(1000);
    PutFile(&env_, root, rel, bytes);
  }
  // path -> content of everything under root/.versions/<one time>/.
  TreeMap Backups(const std::string& root) {
    TreeMap out;
    for (const auto& [path, what] : Tree(&env_, root + "/.versions")) {
      size_t slash = path.find('/');
      if (slash != std::string::npos && what != "d") out[path.substr(slash + 1)] = what;
    }
    return out;
  }

  MemEnv env_;
  SyncOptions options_;
};

TEST_F(BackupDirTest, ReplacedAndDeletedVersionsLandInTheBackupDir) {
  Put("/a", "keep.md", "v1");
  Put("/a", "gone.md", "doomed");
  Put("/a", "docs/x.md", "x1");
  SyncOk();
  Put("/a", "keep.md", "v2");
  ASSERT_TRUE(env_.RemoveFile("/a/gone.md").ok());
  Put("/b", "docs/x.md", "x2");
  SyncOk();

  EXPECT_EQ(Backups("/b"), (TreeMap{{"keep.md", "f:v1"}, {"gone.md", "f:doomed"}}));
  EXPECT_EQ(Backups("/a"), (TreeMap{{"docs/x.md", "f:x1"}}));
  EXPECT_FALSE(PathExists(&env_, "/a/.ferry-trash").value());
  EXPECT_FALSE(PathExists(&env_, "/b/.ferry-trash").value());
}

TEST_F(BackupDirTest, TheBackupDirIsNeverSynced) {
  Put("/a", "f.md", "1");
  SyncOk();
  Put("/a", "f.md", "2");
  SyncOk();  // b's "1" goes to b's backup dir
  SyncOk();  // and is not copied back to a
  EXPECT_EQ(Tree(&env_, "/a").count(".versions"), 0u);
  EXPECT_EQ(Backups("/b"), (TreeMap{{"f.md", "f:1"}}));
}

}  // namespace
}  // namespace ferry::sync
