// Linker logic on the in-memory Env (every strategy works there, and faults are injected).
// linker_posix_test.cc runs it on the real filesystem.
#include "store/linker.h"

#include <thread>

#include <gtest/gtest.h>

#include "base/fault_injection_env.h"
#include "base/file_util.h"
#include "base/mem_env.h"
#include "store/digest_cache.h"

namespace ferry {
namespace {

using LS = LinkStrategy;

constexpr char kShared[] = "/ws/data/_shared/t1.parquet";
constexpr char kRef[] = "/ws/data/sales/orders.parquet";
constexpr char kRef2[] = "/ws/data/ops/orders.parquet";
constexpr int64_t kSecond = 1'000'000'000;

class LinkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(CreateDirs(&env_, "/ws/data/_shared").ok());
    PutCanonical(kShared, "PAR1-orders-v1-PAR1");
  }
  void Put(const std::string& path, const std::string& bytes, uint32_t mode = 0644) {
    IgnoreError(env_.RemoveFile(path), "a fresh file, whatever the old one's mode");
    auto opened = env_.NewWritableFile(path, 0644);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    auto f = std::move(opened).value();
    ASSERT_TRUE(f->Append(bytes).ok());
    ASSERT_TRUE(f->Close().ok());
    ASSERT_TRUE(env_.Chmod(path, mode).ok());
  }
  void PutCanonical(const std::string& path, const std::string& bytes) { Put(path, bytes, 0444); }
  // A partitioned canonical: two parts, one in a subdirectory.
  void PutPartitioned(const std::string& dir) {
    ASSERT_TRUE(CreateDirs(&env_, dir + "/year=2024").ok());
    PutCanonical(dir + "/part-0.parquet", "PAR1-p0-PAR1");
    PutCanonical(dir + "/year=2024/part-1.parquet", "PAR1-p1-PAR1");
    ASSERT_TRUE(env_.Chmod(dir + "/year=2024", 0555).ok());
    ASSERT_TRUE(env_.Chmod(dir, 0555).ok());
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

  MemEnv env_;
};

TEST_F(LinkerTest, DefaultOrderMakesAReadOnlyReflinkWhereTheFilesystemCan) {
  Linker linker(&env_, DefaultLinkOrder());
  Result<LS> used = linker.MakeReference(kShared, kRef);
  ASSERT_TRUE(used.ok()) << used.status().ToString();
  EXPECT_EQ(*used, LS::kReflink);
  FileInfo ref = env_.LinkStat(kRef).value();
  EXPECT_TRUE(ref.is_regular());
  EXPECT_EQ(ref.mode, 0444u);
  EXPECT_NE(ref.inode, env_.Stat(kShared).value().inode);
  EXPECT_EQ(Read(kRef), "PAR1-orders-v1-PAR1");
  EXPECT_EQ(Names("/ws/data/sales"), std::vector<std::string>{"orders.parquet"});
}

TEST_F(LinkerTest, SymlinksAreRelativeSoTheWorkspaceCanMove) {
  Linker linker(&env_, {LS::kSymlink});
  ASSERT_EQ(linker.MakeReference(kShared, kRef).value(), LS::kSymlink);
  EXPECT_EQ(env_.ReadLink(kRef).value(), "../_shared/t1.parquet");
  EXPECT_EQ(Read(kRef), "PAR1-orders-v1-PAR1");
}

TEST_F(LinkerTest, HardlinksShareTheCanonicalInode) {
  Linker linker(&env_, {LS::kHardlink, LS::kCopy});
  ASSERT_EQ(linker.MakeReference(kShared, kRef).value(), LS::kHardlink);
  FileInfo ref = env_.LinkStat(kRef).value();
  EXPECT_EQ(ref.inode, env_.Stat(kShared).value().inode);
  EXPECT_EQ(ref.link_count, 2u);
  EXPECT_EQ(ref.mode, 0444u);
}

TEST_F(LinkerTest, CopiesAreIndependentAndReadOnly) {
  Linker linker(&env_, {LS::kCopy});
  ASSERT_EQ(linker.MakeReference(kShared, kRef).value(), LS::kCopy);
  FileInfo ref = env_.LinkStat(kRef).value();
  EXPECT_NE(ref.inode, env_.Stat(kShared).value().inode);
  EXPECT_EQ(ref.mode, 0444u);
  EXPECT_EQ(Read(kRef), "PAR1-orders-v1-PAR1");
  // An analyst cannot edit the copy believing it is the store.
  EXPECT_EQ(env_.NewWritableFile(kRef).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Names("/ws/data/sales"), std::vector<std::string>{"orders.parquet"});
}

TEST_F(LinkerTest, NotSupportedDropsTheStrategyForTheRestOfTheRun) {
  FaultInjectionEnv faulty(&env_);
  faulty.FailAlways(FaultOp::kReflink, StatusCode::kNotSupported);
  Linker linker(&faulty, DefaultLinkOrder());
  EXPECT_EQ(linker.MakeReference(kShared, kRef).value(), LS::kSymlink);
  EXPECT_EQ(linker.remaining_order(),
            (std::vector<LS>{LS::kSymlink, LS::kHardlink, LS::kCopy}));
  ASSERT_EQ(linker.drop_notes().size(), 1u);
  EXPECT_EQ(linker.drop_notes()[0].rfind("reflink dropped for this run: ", 0), 0u)
      << linker.drop_notes()[0];
  faulty.Reset();  // reflink would work now, but the run already gave up on it
  EXPECT_EQ(linker.MakeReference(kShared, kRef2).value(), LS::kSymlink);
  for (const std::string& step : faulty.log()) EXPECT_EQ(step.find("reflink"), std::string::npos);
}

// Issue 9: the note said "copy instead" when a symlink was made.
TEST_F(LinkerTest, DropNoteNamesTheStrategyUsedInstead) {
  FaultInjectionEnv faulty(&env_);
  faulty.FailAlways(FaultOp::kReflink, StatusCode::kNotSupported);
  Linker linker(&faulty, DefaultLinkOrder());
  ASSERT_EQ(linker.MakeReference(kShared, kRef).value(), LS::kSymlink);
  ASSERT_EQ(linker.MakeReference(kShared, kRef2).value(), LS::kSymlink);
  ASSERT_EQ(linker.drop_notes().size(), 1u);
  const std::string note = linker.drop_notes()[0];
  const std::string tail = "; references made with symlink instead";
  ASSERT_GE(note.size(), tail.size()) << note;
  EXPECT_EQ(note.substr(note.size() - tail.size()), tail) << note;
}

TEST_F(LinkerTest, DropNoteCountsEachStrategyWhenSeveralTookOver) {
  FaultInjectionEnv faulty(&env_);
  faulty.FailAlways(FaultOp::kReflink, StatusCode::kNotSupported);
  faulty.FailNth(FaultOp::kHardLink, 1, StatusCode::kTooManyLinks);
  Linker linker(&faulty, {LS::kReflink, LS::kHardlink, LS::kCopy});
  ASSERT_EQ(linker.MakeReference(kShared, kRef).value(), LS::kCopy);
  ASSERT_EQ(linker.MakeReference(kShared, kRef2).value(), LS::kHardlink);
  ASSERT_EQ(linker.drop_notes().size(), 1u);
  const std::string note = linker.drop_notes()[0];
  EXPECT_NE(note.find("; references made with hardlink (1), copy (1) instead"), std::string::npos)
      << note;
}

TEST_F(LinkerTest, DropNoteSaysSoWhenNothingWasMadeAfterIt) {
  FaultInjectionEnv faulty(&env_);
  faulty.FailAlways(FaultOp::kReflink, StatusCode::kNotSupported);
  faulty.FailAlways(FaultOp::kSymlink, StatusCode::kIoError);
  Linker linker(&faulty, DefaultLinkOrder());
  EXPECT_FALSE(linker.MakeReference(kShared, kRef).ok());
  ASSERT_EQ(linker.drop_notes().size(), 1u);
  const std::string note = linker.drop_notes()[0];
  const std::string tail = "; no reference was made after it";
  ASSERT_GE(note.size(), tail.size()) << note;
  EXPECT_EQ(note.substr(note.size() - tail.size()), tail) << note;
}

TEST_F(LinkerTest, PermissionDeniedDropsTheStrategyToo) {
  FaultInjectionEnv faulty(&env_);
  faulty.FailAlways(FaultOp::kSymlink, StatusCode::kPermissionDenied);
  Linker linker(&faulty, {LS::kSymlink, LS::kHardlink});
  EXPECT_EQ(linker.MakeReference(kShared, kRef).value(), LS::kHardlink);
  EXPECT_EQ(linker.remaining_order(), std::vector<LS>{LS::kHardlink});
}

TEST_F(LinkerTest, TooManyLinksFallsBackForThatFileOnly) {
  FaultInjectionEnv faulty(&env_);
  faulty.FailNth(FaultOp::kHardLink, 1, StatusCode::kTooManyLinks);
  Linker linker(&faulty, {LS::kHardlink, LS::kCopy});
  EXPECT_EQ(linker.MakeReference(kShared, kRef).value(), LS::kCopy);
  EXPECT_EQ(linker.MakeReference(kShared, kRef2).value(), LS::kHardlink);
  EXPECT_EQ(linker.remaining_order(), (std::vector<LS>{LS::kHardlink, LS::kCopy}));
  EXPECT_TRUE(linker.drop_notes().empty());
}

TEST_F(LinkerTest, OtherErrorsAreReturnedWithoutTryingTheNextStrategy) {
  FaultInjectionEnv faulty(&env_);
  faulty.FailNth(FaultOp::kSymlink, 1, StatusCode::kNoSpace);
  Linker linker(&faulty, {LS::kSymlink, LS::kCopy});
  Result<LS> used = linker.MakeReference(kShared, kRef);
  ASSERT_FALSE(used.ok());
  EXPECT_EQ(used.status().code(), StatusCode::kNoSpace);
  EXPECT_TRUE(Names("/ws/data/sales").empty());  // no temp left, no reference
  EXPECT_EQ(linker.remaining_order(), (std::vector<LS>{LS::kSymlink, LS::kCopy}));
}

TEST_F(LinkerTest, TheLastStrategyIsNeverDropped) {
  FaultInjectionEnv faulty(&env_);
  faulty.FailNth(FaultOp::kOpenWrite, 1, StatusCode::kPermissionDenied);
  Linker linker(&faulty, {LS::kCopy});
  Result<LS> used = linker.MakeReference(kShared, kRef);
  ASSERT_FALSE(used.ok());
  EXPECT_EQ(used.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(used.status().message().find("every link strategy failed"), std::string::npos)
      << used.status().message();
  EXPECT_EQ(linker.remaining_order(), std::vector<LS>{LS::kCopy});
  EXPECT_EQ(linker.MakeReference(kShared, kRef).value(), LS::kCopy);
}

TEST_F(LinkerTest, ReplacesAnExistingReferenceOfAnotherKind) {
  Linker copier(&env_, {LS::kCopy});
  ASSERT_TRUE(copier.MakeReference(kShared, kRef).ok());
  Linker linker(&env_, {LS::kSymlink});
  ASSERT_EQ(linker.MakeReference(kShared, kRef).value(), LS::kSymlink);
  EXPECT_TRUE(env_.LinkStat(kRef).value().is_symlink());
  EXPECT_EQ(Names("/ws/data/sales"), std::vector<std::string>{"orders.parquet"});
}

TEST_F(LinkerTest, ACrashWhileReplacingACopyNeverShowsPartialBytes) {
  // The reference is an old copy; the canonical is replaced by a new version and the copy is
  // re-made. Stop the linker at every step: the reference holds the old bytes or the new
  // bytes, whole.
  const std::string old_bytes = "PAR1-orders-v1-PAR1";
  const std::string new_bytes = "PAR1-orders-version-two-is-longer-PAR1";
  auto reset = [&] {
    IgnoreError(RemoveTree(&env_, "/ws/data/sales"), "fresh start");
    ASSERT_TRUE(CreateDirs(&env_, "/ws/data/sales").ok());
    Put(kRef, old_bytes, 0444);
    ASSERT_TRUE(env_.RemoveFile(kShared).ok());
    PutCanonical(kShared, new_bytes);
  };
  reset();
  FaultInjectionEnv probe(&env_);
  Linker clean(&probe, {LS::kCopy});
  ASSERT_TRUE(clean.MakeReference(kShared, kRef).ok());
  const int64_t steps = probe.steps();
  ASSERT_GT(steps, 3);
  for (int64_t k = 0; k < steps; ++k) {
    reset();
    FaultInjectionEnv faulty(&env_);
    faulty.CrashAfterSteps(k);
    Linker linker(&faulty, {LS::kCopy});
    EXPECT_FALSE(linker.MakeReference(kShared, kRef).ok()) << k;
    std::string seen = Read(kRef);
    EXPECT_TRUE(seen == old_bytes || seen == new_bytes) << "after step " << k << ": " << seen;
  }
}

TEST_F(LinkerTest, SymlinkCurrencyIsDecidedByTheLinkTextAlone) {
  Linker linker(&env_, {LS::kSymlink});
  ASSERT_TRUE(linker.MakeReference(kShared, kRef).ok());
  FaultInjectionEnv probe(&env_);
  Linker checker(&probe, {LS::kSymlink});
  EXPECT_TRUE(checker.IsReferenceCurrent(kShared, kRef, LS::kSymlink, "", nullptr).value());
  EXPECT_FALSE(checker.IsReferenceCurrent("/ws/data/_shared/t2.parquet", kRef, LS::kSymlink, "",
                                          nullptr).value());
  EXPECT_FALSE(checker.IsReferenceCurrent(kShared, kRef, LS::kHardlink, "", nullptr).value());
  EXPECT_FALSE(checker.IsReferenceCurrent(kShared, kRef2, LS::kSymlink, "", nullptr).value());
  EXPECT_EQ(probe.steps(), 0);
  // The seed made absolute symlinks; they point at the canonical, so they are current.
  ASSERT_TRUE(CreateDirs(&env_, "/ws/data/ops").ok());
  ASSERT_TRUE(env_.Symlink(kShared, kRef2).ok());
  EXPECT_TRUE(checker.IsReferenceCurrent(kShared, kRef2, LS::kSymlink, "", nullptr).value());
}

TEST_F(LinkerTest, HardlinkIsStaleOnceTheCanonicalIsReplaced) {
  Linker linker(&env_, {LS::kHardlink});
  ASSERT_TRUE(linker.MakeReference(kShared, kRef).ok());
  EXPECT_TRUE(linker.IsReferenceCurrent(kShared, kRef, LS::kHardlink, "", nullptr).value());
  ASSERT_TRUE(env_.RemoveFile(kShared).ok());
  PutCanonical(kShared, "PAR1-orders-v2-PAR1");
  EXPECT_FALSE(linker.IsReferenceCurrent(kShared, kRef, LS::kHardlink, "", nullptr).value());
  ASSERT_EQ(linker.MakeReference(kShared, kRef).value(), LS::kHardlink);
  EXPECT_TRUE(linker.IsReferenceCurrent(kShared, kRef, LS::kHardlink, "", nullptr).value());
  EXPECT_EQ(Read(kRef), "PAR1-orders-v2-PAR1");
}

TEST_F(LinkerTest, CopyCurrencyUsesTheDigestCacheAndReadsNothingTheSecondTime) {
  Linker linker(&env_, {LS::kCopy});
  ASSERT_TRUE(linker.MakeReference(kShared, kRef).ok());
  env_.AdvanceClock(10 * kSecond);
  DigestCache cache(&env_, "/ws/.ferry/digests.json");
  const std::string md5 = cache.Md5Of(kShared).value();
  const uint64_t before = cache.bytes_hashed();
  EXPECT_TRUE(linker.IsReferenceCurrent(kShared, kRef, LS::kCopy, md5, &cache).value());
  EXPECT_EQ(cache.bytes_hashed(), before + 19);
  EXPECT_TRUE(linker.IsReferenceCurrent(kShared, kRef, LS::kCopy, md5, &cache).value());
  EXPECT_EQ(cache.bytes_hashed(), before + 19);
  EXPECT_FALSE(linker.IsReferenceCurrent(kShared, kRef, LS::kCopy,
                                         "00000000000000000000000000000000", &cache).value());
  // Without an expected md5 the canonical's own digest is the reference.
  EXPECT_TRUE(linker.IsReferenceCurrent(kShared, kRef, LS::kCopy, "", &cache).value());
  // A copy that an analyst edited (same size) is not current.
  ASSERT_TRUE(env_.Chmod(kRef, 0644).ok());
  Put(kRef, "PAR1-orders-vX-PAR1");
  env_.AdvanceClock(10 * kSecond);
  EXPECT_FALSE(linker.IsReferenceCurrent(kShared, kRef, LS::kCopy, md5, &cache).value());
  EXPECT_FALSE(linker.IsReferenceCurrent(kShared, kRef, LS::kCopy, md5, nullptr).value());
}

TEST_F(LinkerTest, RemoveReferenceNeverFollowsASymlink) {
  Linker linker(&env_, {LS::kSymlink});
  ASSERT_TRUE(linker.MakeReference(kShared, kRef).ok());
  ASSERT_TRUE(linker.RemoveReference(kRef).ok());
  EXPECT_TRUE(env_.LinkStat(kRef).status().IsNotFound());
  EXPECT_EQ(Read(kShared), "PAR1-orders-v1-PAR1");
  EXPECT_TRUE(linker.RemoveReference(kRef).ok());  // already gone
}

class PartitionedLinkerTest : public LinkerTest,
                              public ::testing::WithParamInterface<LinkStrategy> {};

TEST_P(PartitionedLinkerTest, MirrorsADirectoryOfParts) {
  const std::string shared = "/ws/data/_shared/t9.parquet";
  const std::string ref = "/ws/data/sales/events.parquet";
  PutPartitioned(shared);
  Linker linker(&env_, {GetParam()});
  ASSERT_EQ(linker.MakeReference(shared, ref).value(), GetParam());
  EXPECT_EQ(Read(ref + "/part-0.parquet"), "PAR1-p0-PAR1");
  EXPECT_EQ(Read(ref + "/year=2024/part-1.parquet"), "PAR1-p1-PAR1");
  if (GetParam() == LS::kSymlink) {
    EXPECT_EQ(env_.ReadLink(ref).value(), "../_shared/t9.parquet");
  } else {
    EXPECT_EQ(env_.LinkStat(ref).value().mode, 0555u);
    EXPECT_EQ(env_.LinkStat(ref + "/year=2024").value().mode, 0555u);
    EXPECT_EQ(env_.LinkStat(ref + "/part-0.parquet").value().mode, 0444u);
  }
  EXPECT_EQ(Names("/ws/data/sales"), std::vector<std::string>{"events.parquet"});
  EXPECT_TRUE(linker.IsReferenceCurrent(shared, ref, GetParam(), "", nullptr).value());

  // Re-made over itself (e.g. after the canonical changed), still one clean directory.
  ASSERT_EQ(linker.MakeReference(shared, ref).value(), GetParam());
  EXPECT_EQ(Names("/ws/data/sales"), std::vector<std::string>{"events.parquet"});

  ASSERT_TRUE(linker.RemoveReference(ref).ok());
  EXPECT_TRUE(env_.LinkStat(ref).status().IsNotFound());
  EXPECT_EQ(Read(shared + "/part-0.parquet"), "PAR1-p0-PAR1");
}

TEST_P(PartitionedLinkerTest, AMissingPartMakesTheReferenceStale) {
  const std::string shared = "/ws/data/_shared/t9.parquet";
  const std::string ref = "/ws/data/sales/events.parquet";
  PutPartitioned(shared);
  Linker linker(&env_, {GetParam()});
  ASSERT_TRUE(linker.MakeReference(shared, ref).ok());
  if (GetParam() == LS::kSymlink) return;  // a symlink has no parts of its own
  ASSERT_TRUE(env_.Chmod(ref, 0755).ok());
  ASSERT_TRUE(env_.RemoveFile(ref + "/part-0.parquet").ok());
  EXPECT_FALSE(linker.IsReferenceCurrent(shared, ref, GetParam(), "", nullptr).value());
}

INSTANTIATE_TEST_SUITE_P(AllStrategies, PartitionedLinkerTest,
                         ::testing::Values(LS::kReflink, LS::kSymlink, LS::kHardlink,
                                           LS::kCopy),
                         [](const auto& info) {
                           return std::string(LinkStrategyName(info.param));
                         });

TEST_F(LinkerTest, AFileReferenceReplacesADirectoryReferenceAndBack) {
  const std::string shared_dir = "/ws/data/_shared/t9.parquet";
  PutPartitioned(shared_dir);
  Linker linker(&env_, {LS::kCopy});
  ASSERT_TRUE(linker.MakeReference(shared_dir, kRef).ok());
  ASSERT_TRUE(linker.MakeReference(kShared, kRef).ok());
  EXPECT_EQ(Read(kRef), "PAR1-orders-v1-PAR1");
  ASSERT_TRUE(linker.MakeReference(shared_dir, kRef).ok());
  EXPECT_EQ(Read(kRef + std::string("/part-0.parquet")), "PAR1-p0-PAR1");
  EXPECT_EQ(Names("/ws/data/sales"), std::vector<std::string>{"orders.parquet"});
}

TEST_F(LinkerTest, SyncTouchedDirsSyncsEachDirectoryOnce) {
  FaultInjectionEnv probe(&env_);
  Linker linker(&probe, {LS::kSymlink});
  ASSERT_TRUE(linker.MakeReference(kShared, kRef).ok());
  ASSERT_TRUE(linker.MakeReference(kShared, "/ws/data/sales/again.parquet").ok());
  ASSERT_TRUE(linker.MakeReference(kShared, kRef2).ok());
  probe.Reset();
  ASSERT_TRUE(linker.SyncTouchedDirs().ok());
  EXPECT_EQ(probe.log(), (std::vector<std::string>{"fsync /ws/data/ops", "fsync /ws/data/sales"}));
  probe.Reset();
  ASSERT_TRUE(linker.SyncTouchedDirs().ok());
  EXPECT_TRUE(probe.log().empty());
}

TEST_F(LinkerTest, ConcurrentReferencesDropAStrategyOnce) {
  FaultInjectionEnv faulty(&env_);
  faulty.FailAlways(FaultOp::kReflink, StatusCode::kNotSupported);
  Linker linker(&faulty, DefaultLinkOrder());
  std::vector<std::thread> threads;
  std::vector<Result<LS>> results(8, Status::Internal("not run"));
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      results[i] = linker.MakeReference(
          kShared, "/ws/data/p" + std::to_string(i % 3) + "/t" + std::to_string(i) + ".parquet");
    });
  }
  for (std::thread& t : threads) t.join();
  for (const Result<LS>& r : results) {
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(*r, LS::kSymlink);
  }
  EXPECT_EQ(linker.drop_notes().size(), 1u);
  EXPECT_EQ(linker.remaining_order(), (std::vector<LS>{LS::kSymlink, LS::kHardlink, LS::kCopy}));
}

}  // namespace
}  // namespace ferry
