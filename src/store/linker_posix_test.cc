// The Linker on the real filesystem (PosixEnv in a temp dir): which strategy this filesystem
// gives, forced orders, and EMLINK / EXDEV fallbacks through a tiny counting wrapper.
#include <unistd.h>

#include <atomic>

#include <gtest/gtest.h>

#include "base/fault_injection_env.h"
#include "base/file_util.h"
#include "store/content_store.h"
#include "store/digest_cache.h"
#include "store/linker.h"
#include "support/temp_dir.h"

namespace ferry {
namespace {

using LS = LinkStrategy;

// Fails HardLink with `code` on the calls listed (1-based), counting every call.
class HardLinkFailingEnv : public EnvWrapper {
 public:
  HardLinkFailingEnv(Env* target, StatusCode code, std::vector<int> failing)
      : EnvWrapper(target), code_(code), failing_(std::move(failing)) {}
  Status HardLink(const std::string& existing, const std::string& new_path) override {
    int call = ++calls_;
    for (int n : failing_) {
      if (n == call || n == 0) return Status(code_, "link " + new_path + ": simulated");
    }
    return EnvWrapper::HardLink(existing, new_path);
  }
  int calls() const { return calls_; }

 private:
  StatusCode code_;
  std::vector<int> failing_;  // 0 = every call
  std::atomic<int> calls_{0};
};

class LinkerPosixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    shared_ = tmp_.Join("data/_shared/t1.parquet");
    ref_ = tmp_.Join("data/sales/orders.parquet");
    ref2_ = tmp_.Join("data/ops/orders.parquet");
    ASSERT_TRUE(CreateDirs(env_, tmp_.Join(".ferry/partial")).ok());
    std::string staged = tmp_.Join(".ferry/partial/t1");
    ASSERT_TRUE(WriteFileAtomically(env_, staged, "PAR1-orders-PAR1").ok());
    ASSERT_TRUE(InstallCanonical(env_, staged, shared_).ok());
  }
  std::string Read(const std::string& path) {
    Result<std::string> text = ReadFileToString(env_, path, 1 << 20);
    return text.ok() ? *text : "<" + text.status().ToString() + ">";
  }

  testing::TempDir tmp_;
  Env* env_ = Env::Default();
  std::string shared_, ref_, ref2_;
};

TEST_F(LinkerPosixTest, DefaultOrderOnThisFilesystem) {
  Linker linker(env_, DefaultLinkOrder());
  Result<LS> used = linker.MakeReference(shared_, ref_);
  ASSERT_TRUE(used.ok()) << used.status().ToString();
  // ext4 / overlayfs / tmpfs cannot clone, so reflink is dropped and symlink wins; btrfs / XFS
  // clone. Either way the reference reads the canonical's bytes.
  std::cout << "[ info     ] default order on " << tmp_.path() << " gave "
            << LinkStrategyName(*used) << "\n";
  ASSERT_TRUE(*used == LS::kReflink || *used == LS::kSymlink) << LinkStrategyName(*used);
  EXPECT_EQ(Read(ref_), "PAR1-orders-PAR1");
  if (*used == LS::kSymlink) {
    EXPECT_EQ(linker.remaining_order(),
              (std::vector<LS>{LS::kSymlink, LS::kHardlink, LS::kCopy}));
    EXPECT_EQ(env_->ReadLink(ref_).value(), "../_shared/t1.parquet");
    // Issue 9: the note named copy when a symlink was made.
    ASSERT_EQ(linker.drop_notes().size(), 1u);
    const std::string note = linker.drop_notes()[0];
    EXPECT_EQ(note.rfind("reflink dropped for this run: reflink ", 0), 0u) << note;
    EXPECT_EQ(note.find("copy"), std::string::npos) << note;
    const std::string tail = "(the filesystem cannot clone); references made with symlink instead";
    ASSERT_GE(note.size(), tail.size()) << note;
    EXPECT_EQ(note.substr(note.size() - tail.size()), tail) << note;
  } else {
    EXPECT_EQ(env_->LinkStat(ref_).value().mode, 0444u);
  }
  EXPECT_TRUE(linker.IsReferenceCurrent(shared_, ref_, *used, "", nullptr).value());
}

TEST_F(LinkerPosixTest, ForcedHardlinkShareTheInode) {
  Linker linker(env_, {LS::kHardlink, LS::kCopy});
  ASSERT_EQ(linker.MakeReference(shared_, ref_).value(), LS::kHardlink);
  FileInfo a = env_->LinkStat(shared_).value();
  FileInfo b = env_->LinkStat(ref_).value();
  EXPECT_EQ(a.inode, b.inode);
  EXPECT_EQ(b.link_count, 2u);
  EXPECT_EQ(b.mode, 0444u);
  EXPECT_TRUE(linker.IsReferenceCurrent(shared_, ref_, LS::kHardlink, "", nullptr).value());
}

TEST_F(LinkerPosixTest, ForcedCopyIsAReadOnlyIndependentFile) {
  Linker linker(env_, {LS::kCopy});
  ASSERT_EQ(linker.MakeReference(shared_, ref_).value(), LS::kCopy);
  FileInfo b = env_->LinkStat(ref_).value();
  EXPECT_NE(env_->LinkStat(shared_).value().inode, b.inode);
  EXPECT_EQ(b.mode, 0444u);
  EXPECT_EQ(Read(ref_), "PAR1-orders-PAR1");
  DigestCache cache(env_, tmp_.Join(".ferry/digests.json"));
  EXPECT_TRUE(linker.IsReferenceCurrent(shared_, ref_, LS::kCopy,
                                        "", &cache).value());
  std::vector<DirEntry> entries = env_->ListDir(tmp_.Join("data/sales")).value();
  ASSERT_EQ(entries.size(), 1u);  // no temp left behind
}

TEST_F(LinkerPosixTest, TooManyLinksFallsBackForOneFileThenHardlinksAgain) {
  HardLinkFailingEnv emlink(env_, StatusCode::kTooManyLinks, {1});
  Linker linker(&emlink, {LS::kHardlink, LS::kCopy});
  EXPECT_EQ(linker.MakeReference(shared_, ref_).value(), LS::kCopy);
  EXPECT_EQ(linker.MakeReference(shared_, ref2_).value(), LS::kHardlink);
  EXPECT_EQ(emlink.calls(), 2);
  EXPECT_EQ(env_->LinkStat(ref2_).value().inode, env_->LinkStat(shared_).value().inode);
}

TEST_F(LinkerPosixTest, CrossDeviceDropsHardlinksForTheRestOfTheRun) {
  // EXDEV maps to kNotSupported.
  HardLinkFailingEnv exdev(env_, StatusCode::kNotSupported, {0});
  Linker linker(&exdev, {LS::kHardlink, LS::kCopy});
  EXPECT_EQ(linker.MakeReference(shared_, ref_).value(), LS::kCopy);
  EXPECT_EQ(linker.MakeReference(shared_, ref2_).value(), LS::kCopy);
  EXPECT_EQ(exdev.calls(), 1);  // not tried again
  EXPECT_EQ(linker.remaining_order(), std::vector<LS>{LS::kCopy});
}

TEST_F(LinkerPosixTest, FaultInjectedEmlinkOnTheRealDisk) {
  FaultInjectionEnv faulty(env_);
  faulty.FailNth(FaultOp::kHardLink, 1, StatusCode::kTooManyLinks);
  Linker linker(&faulty, {LS::kHardlink, LS::kCopy});
  EXPECT_EQ(linker.MakeReference(shared_, ref_).value(), LS::kCopy);
  EXPECT_EQ(linker.MakeReference(shared_, ref2_).value(), LS::kHardlink);
}

TEST_F(LinkerPosixTest, PartitionedReferencesOnDisk) {
  const std::string staged = tmp_.Join(".ferry/partial/t9");
  const std::string shared = tmp_.Join("data/_shared/t9.parquet");
  ASSERT_TRUE(CreateDirs(env_, staged + "/year=2024").ok());
  ASSERT_TRUE(WriteFileAtomically(env_, staged + "/part-0.parquet", "p0").ok());
  ASSERT_TRUE(WriteFileAtomically(env_, staged + "/year=2024/part-1.parquet", "p1").ok());
  ASSERT_TRUE(InstallCanonical(env_, staged, shared).ok());
  for (LS s : {LS::kSymlink, LS::kHardlink, LS::kCopy}) {
    SCOPED_TRACE(std::string(LinkStrategyName(s)));
    Linker linker(env_, {s});
    const std::string ref = tmp_.Join("data/sales/events.parquet");
    ASSERT_EQ(linker.MakeReference(shared, ref).value(), s);
    EXPECT_EQ(Read(ref + "/year=2024/part-1.parquet"), "p1");
    EXPECT_TRUE(linker.IsReferenceCurrent(shared, ref, s, "", nullptr).value());
    ASSERT_TRUE(linker.RemoveReference(ref).ok());  // 0555 directories included
    EXPECT_TRUE(env_->LinkStat(ref).status().IsNotFound());
  }
  EXPECT_EQ(Read(shared + "/part-0.parquet"), "p0");
}

}  // namespace
}  // namespace ferry
