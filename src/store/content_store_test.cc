#include "store/content_store.h"

#include <set>

#include <gtest/gtest.h>

#include "base/fault_injection_env.h"
#include "base/file_util.h"
#include "base/mem_env.h"
#include "base/path.h"
#include "support/temp_dir.h"

namespace ferry {
namespace {

constexpr char kShared[] = "/ws/data/_shared/t1.parquet";
constexpr char kStaged[] = "/ws/.ferry/partial/t1.parquet";

class ContentStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(CreateDirs(&env_, "/ws/.ferry/partial").ok()); }
  void Put(const std::string& path, const std::string& bytes) {
    IgnoreError(env_.RemoveFile(path), "a fresh file, whatever the old one's mode");
    auto opened = env_.NewWritableFile(path, 0644);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    auto f = std::move(opened).value();
    ASSERT_TRUE(f->Append(bytes).ok());
    ASSERT_TRUE(f->Close().ok());
  }
  // A staged partitioned table whose parts all carry `tag`.
  void StageDir(const std::string& dir, const std::string& tag) {
    ASSERT_TRUE(CreateDirs(&env_, dir + "/year=2024").ok());
    Put(dir + "/part-0.parquet", tag + "-p0");
    Put(dir + "/year=2024/part-1.parquet", tag + "-p1");
  }
  std::string Read(const std::string& path) {
    Result<std::string> text = ReadFileToString(&env_, path, 1 << 20);
    return text.ok() ? *text : "<" + text.status().ToString() + ">";
  }
  std::vector<std::string> Names(const std::string& dir) {
    std::vector<std::string> out;
    std::vector<DirEntry> entries = env_.ListDir(dir).value();
    for (const DirEntry& e : entries) out.push_back(e.name);
    return out;
  }
  // "old", "new", "missing", or "mixed" for a partitioned canonical at `path`.
  std::string DirVersion(const std::string& path) {
    if (env_.LinkStat(path).status().IsNotFound()) return "missing";
    Result<std::string> p0 = ReadFileToString(&env_, path + "/part-0.parquet", 1 << 20);
    Result<std::string> p1 = ReadFileToString(&env_, path + "/year=2024/part-1.parquet", 1 << 20);
    if (!p0.ok() || !p1.ok()) return "mixed";
    if (*p0 == "old-p0" && *p1 == "old-p1") return "old";
    if (*p0 == "new-p0" && *p1 == "new-p1") return "new";
    return "mixed";
  }

  MemEnv env_;
};

TEST_F(ContentStoreTest, InstallsAFileReadOnly) {
  Put(kStaged, "PAR1-v1-PAR1");
  ASSERT_TRUE(InstallCanonical(&env_, kStaged, kShared).ok());
  EXPECT_EQ(Read(kShared), "PAR1-v1-PAR1");
  EXPECT_EQ(env_.LinkStat(kShared).value().mode, 0444u);
  EXPECT_TRUE(env_.LinkStat(kStaged).status().IsNotFound());
}

TEST_F(ContentStoreTest, ReplacesAFile) {
  Put(kStaged, "PAR1-v1-PAR1");
  ASSERT_TRUE(InstallCanonical(&env_, kStaged, kShared).ok());
  Put(kStaged, "PAR1-v2-PAR1");
  ASSERT_TRUE(InstallCanonical(&env_, kStaged, kShared).ok());
  EXPECT_EQ(Read(kShared), "PAR1-v2-PAR1");
  EXPECT_EQ(Names("/ws/data/_shared"), std::vector<std::string>{"t1.parquet"});
}

TEST_F(ContentStoreTest, InstallsADirectoryOfPartsReadOnly) {
  StageDir(kStaged, "new");
  ASSERT_TRUE(InstallCanonical(&env_, kStaged, kShared).ok());
  EXPECT_EQ(DirVersion(kShared), "new");
  EXPECT_EQ(env_.LinkStat(kShared).value().mode, 0555u);
  EXPECT_EQ(env_.LinkStat(std::string(kShared) + "/year=2024").value().mode, 0555u);
  EXPECT_EQ(env_.LinkStat(std::string(kShared) + "/part-0.parquet").value().mode, 0444u);
  EXPECT_EQ(Names("/ws/.ferry/partial"), std::vector<std::string>{});
}

TEST_F(ContentStoreTest, ReplacesADirectoryWholesale) {
  StageDir(kStaged, "old");
  ASSERT_TRUE(InstallCanonical(&env_, kStaged, kShared).ok());
  StageDir(kStaged, "new");
  ASSERT_TRUE(InstallCanonical(&env_, kStaged, kShared).ok());
  EXPECT_EQ(DirVersion(kShared), "new");
  EXPECT_EQ(Names("/ws/data/_shared"), std::vector<std::string>{"t1.parquet"});
}

TEST_F(ContentStoreTest, AFileReplacesADirectoryAndBack) {
  StageDir(kStaged, "old");
  ASSERT_TRUE(InstallCanonical(&env_, kStaged, kShared).ok());
  Put(kStaged, "PAR1-flat-PAR1");
  ASSERT_TRUE(InstallCanonical(&env_, kStaged, kShared).ok());
  EXPECT_EQ(Read(kShared), "PAR1-flat-PAR1");
  StageDir(kStaged, "new");
  ASSERT_TRUE(InstallCanonical(&env_, kStaged, kShared).ok());
  EXPECT_EQ(DirVersion(kShared), "new");
  EXPECT_EQ(Names("/ws/data/_shared"), std::vector<std::string>{"t1.parquet"});
}

TEST_F(ContentStoreTest, RefusesASymlinkInsideAStagedTable) {
  StageDir(kStaged, "new");
  ASSERT_TRUE(env_.Symlink("/etc/passwd", std::string(kStaged) + "/evil.parquet").ok());
  Status s = InstallCanonical(&env_, kStaged, kShared);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(env_.LinkStat(kShared).status().IsNotFound());
}

TEST_F(ContentStoreTest, ACrashAtEveryStepOfAFileInstallLeavesOldOrNew) {
  auto reset = [&] {
    IgnoreError(RemoveTree(&env_, "/ws/data"), "fresh start");
    Put(kStaged, "PAR1-old-PAR1");
    ASSERT_TRUE(InstallCanonical(&env_, kStaged, kShared).ok());
    Put(kStaged, "PAR1-new-PAR1");
  };
  reset();
  FaultInjectionEnv probe(&env_);
  ASSERT_TRUE(InstallCanonical(&probe, kStaged, kShared).ok());
  const int64_t steps = probe.steps();
  for (int64_t k = 0; k < steps; ++k) {
    reset();
    FaultInjectionEnv faulty(&env_);
    faulty.CrashAfterSteps(k);
    EXPECT_FALSE(InstallCanonical(&faulty, kStaged, kShared).ok()) << k;
    std::string seen = Read(kShared);
    EXPECT_TRUE(seen == "PAR1-old-PAR1" || seen == "PAR1-new-PAR1") << k << ": " << seen;
  }
}

TEST_F(ContentStoreTest, ACrashAtEveryStepOfADirectoryInstallLeavesOldOrNewAfterRecovery) {
  const WorkspaceLayout layout("/ws");
  auto reset = [&] {
    IgnoreError(RemoveTree(&env_, "/ws/data"), "fresh start");
    IgnoreError(RemoveTree(&env_, kStaged), "fresh start");
    StageDir(kStaged, "old");
    ASSERT_TRUE(InstallCanonical(&env_, kStaged, kShared).ok());
    StageDir(kStaged, "new");
  };
  reset();
  FaultInjectionEnv probe(&env_);
  ASSERT_TRUE(InstallCanonical(&probe, kStaged, kShared).ok());
  const int64_t steps = probe.steps();
  ASSERT_GT(steps, 8);
  std::set<std::string> outcomes;
  for (int64_t k = 0; k < steps; ++k) {
    reset();
    FaultInjectionEnv faulty(&env_);
    faulty.CrashAfterSteps(k);
    EXPECT_FALSE(InstallCanonical(&faulty, kStaged, kShared).ok()) << k;
    // Before recovery the old canonical is never lost: at its path, or parked aside whole.
    std::string at_path = DirVersion(kShared);
    std::string aside = DirVersion(AsidePathFor(kShared));
    EXPECT_NE(at_path, "mixed") << k;
    EXPECT_TRUE(at_path != "missing" || aside == "old") << "crash after step " << k;
    // The audit's recovery: wholly old or wholly new, and no leftover.
    ASSERT_TRUE(RecoverInterruptedInstalls(&env_, layout).ok()) << k;
    std::string after = DirVersion(kShared);
    EXPECT_TRUE(after == "old" || after == "new") << "crash after step " << k << ": " << after;
    outcomes.insert(after);
    EXPECT_EQ(Names("/ws/data/_shared"), std::vector<std::string>{"t1.parquet"}) << k;
    // And the next install of the same table succeeds from there.
    IgnoreError(RemoveTree(&env_, kStaged), "restage");
    StageDir(kStaged, "new");
    ASSERT_TRUE(InstallCanonical(&env_, kStaged, kShared).ok()) << k;
    EXPECT_EQ(DirVersion(kShared), "new");
  }
  EXPECT_EQ(outcomes, (std::set<std::string>{"old", "new"}));
}

TEST_F(ContentStoreTest, InstallFinishesAnInterruptedInstallOfTheSamePathFirst) {
  StageDir(kStaged, "old");
  ASSERT_TRUE(InstallCanonical(&env_, kStaged, kShared).ok());
  // A crash right after "old aside": only the aside holds the table.
  ASSERT_TRUE(env_.Rename(kShared, AsidePathFor(kShared)).ok());
  StageDir(kStaged, "new");
  ASSERT_TRUE(InstallCanonical(&env_, kStaged, kShared).ok());
  EXPECT_EQ(DirVersion(kShared), "new");
  EXPECT_EQ(Names("/ws/data/_shared"), std::vector<std::string>{"t1.parquet"});
}

TEST_F(ContentStoreTest, RemovesAReadOnlyCanonicalTree) {
  StageDir(kStaged, "old");
  ASSERT_TRUE(InstallCanonical(&env_, kStaged, kShared).ok());
  ASSERT_TRUE(RemoveCanonical(&env_, kShared).ok());
  EXPECT_TRUE(env_.LinkStat(kShared).status().IsNotFound());
  EXPECT_TRUE(RemoveCanonical(&env_, kShared).ok());  // already gone is fine
}

TEST_F(ContentStoreTest, DiscardMovesCanonicalsToTheTrashAndEmptyTrashFreesThem) {
  const WorkspaceLayout layout("/ws");
  ASSERT_TRUE(CreateDirs(&env_, layout.shared_dir()).ok());
  ASSERT_TRUE(CreateDirs(&env_, layout.trash_dir()).ok());
  Put(kStaged, "file bytes");
  ASSERT_TRUE(InstallCanonical(&env_, kStaged, kShared).ok());
  const std::string dir_shared = layout.shared_path("t2");
  StageDir("/ws/.ferry/partial/t2.parquet", "old");
  ASSERT_TRUE(InstallCanonical(&env_, "/ws/.ferry/partial/t2.parquet", dir_shared).ok());

  ASSERT_TRUE(DiscardCanonical(&env_, layout, kShared).ok());
  ASSERT_TRUE(DiscardCanonical(&env_, layout, dir_shared).ok());
  EXPECT_TRUE(Names(layout.shared_dir()).empty()) << "left the store at once";
  EXPECT_EQ(Names(layout.trash_dir()).size(), 2u);
  EXPECT_TRUE(DiscardCanonical(&env_, layout, kShared).ok());  // already gone is fine

  ASSERT_TRUE(EmptyTrash(&env_, layout, /*jobs=*/4).ok());  // read-only tree included
  EXPECT_TRUE(Names(layout.trash_dir()).empty());
  EXPECT_TRUE(EmptyTrash(&env_, layout, 1).ok());  // an empty trash is fine
}

TEST_F(ContentStoreTest, DiscardRemovesInPlaceWhenItCannotMoveToTheTrash) {
  const WorkspaceLayout layout("/ws");
  ASSERT_TRUE(CreateDirs(&env_, layout.shared_dir()).ok());
  Put(kStaged, "file bytes");
  ASSERT_TRUE(InstallCanonical(&env_, kStaged, kShared).ok());
  // No .ferry/trash/ at all: the rename fails, the canonical is removed where it is.
  ASSERT_TRUE(DiscardCanonical(&env_, layout, kShared).ok());
  EXPECT_TRUE(env_.LinkStat(kShared).status().IsNotFound());
  EXPECT_TRUE(EmptyTrash(&env_, layout, 2).ok());  // no trash directory is fine
}

TEST(AsideNameTest, Recognised) {
  EXPECT_EQ(AsidePathFor("/ws/data/_shared/t1.parquet"), "/ws/data/_shared/.t1.parquet.ferry-old");
  std::string owner;
  EXPECT_TRUE(IsAsideName(".t1.parquet.ferry-old", &owner));
  EXPECT_EQ(owner, "t1.parquet");
  EXPECT_FALSE(IsAsideName("t1.parquet", nullptr));
  EXPECT_FALSE(IsAsideName(".ferry-old", nullptr));
  EXPECT_TRUE(IsStoreTempName(".t1.parquet.ferry-old"));
  EXPECT_TRUE(IsStoreTempName(BaseName(MakeTempPathFor("/ws/data/sales/o.parquet"))));
  EXPECT_FALSE(IsStoreTempName("o.parquet"));
}

// On the real disk: a 0555 tree of 0444 files goes away whole.
TEST(ContentStorePosixTest, RemovesAReadOnlyCanonicalTreeOnDisk) {
  testing::TempDir tmp;
  Env* env = Env::Default();
  const std::string staged = tmp.Join("partial/t1.parquet");
  const std::string shared = tmp.Join("data/_shared/t1.parquet");
  ASSERT_TRUE(CreateDirs(env, staged + "/a/b").ok());
  ASSERT_TRUE(WriteFileAtomically(env, staged + "/a/b/part-0.parquet", "x").ok());
  ASSERT_TRUE(WriteFileAtomically(env, staged + "/part-1.parquet", "y").ok());
  ASSERT_TRUE(InstallCanonical(env, staged, shared).ok());
  EXPECT_EQ(env->LinkStat(shared).value().mode, 0555u);
  EXPECT_EQ(env->LinkStat(shared + "/a/b").value().mode, 0555u);
  EXPECT_EQ(env->LinkStat(shared + "/a/b/part-0.parquet").value().mode, 0444u);
  ASSERT_TRUE(RemoveCanonical(env, shared).ok());
  EXPECT_TRUE(env->LinkStat(shared).status().IsNotFound());
}

}  // namespace
}  // namespace ferry
