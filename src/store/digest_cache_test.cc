#include "store/digest_cache.h"

#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>

#include "base/file_util.h"
#include "base/mem_env.h"

namespace ferry {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
// md5("hello") and md5("world")
constexpr char kHelloMd5[] = "5d41402abc4b2a76b9719d911017c592";
constexpr char kWorldMd5[] = "7d793037a0760186574b0282f2f435e7";

class DigestCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(CreateDirs(&env_, "/ws/data").ok());
    Put("/ws/data/a", "hello");
  }
  void Put(const std::string& path, const std::string& bytes) {
    // Truncates in place: same inode, so only size/mtime/ctime can tell the versions apart.
    auto opened = env_.NewWritableFile(path, 0644);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    auto f = std::move(opened).value();
    ASSERT_TRUE(f->Append(bytes).ok());
    ASSERT_TRUE(f->Close().ok());
  }

  MemEnv env_;
  const std::string cache_path_ = "/ws/.ferry/digests.json";
};

TEST_F(DigestCacheTest, SecondLookupOfAnUnchangedFileReadsNothing) {
  env_.AdvanceClock(10 * kSecond);  // the file is older than the racy window
  DigestCache cache(&env_, cache_path_);
  EXPECT_EQ(cache.Md5Of("/ws/data/a").value(), kHelloMd5);
  EXPECT_EQ(cache.bytes_hashed(), 5u);
  EXPECT_EQ(cache.Md5Of("/ws/data/a").value(), kHelloMd5);
  EXPECT_EQ(cache.bytes_hashed(), 5u);
}

TEST_F(DigestCacheTest, AModifiedFileIsRehashed) {
  env_.AdvanceClock(10 * kSecond);
  DigestCache cache(&env_, cache_path_);
  ASSERT_EQ(cache.Md5Of("/ws/data/a").value(), kHelloMd5);
  env_.AdvanceClock(10 * kSecond);
  Put("/ws/data/a", "world");  // same size, new mtime
  env_.AdvanceClock(10 * kSecond);
  EXPECT_EQ(cache.Md5Of("/ws/data/a").value(), kWorldMd5);
  EXPECT_EQ(cache.bytes_hashed(), 10u);
}

TEST_F(DigestCacheTest, ARacyEntryIsNotTrusted) {
  // Recorded in the same tick as the file's mtime: a write in that tick could have changed
  // the bytes without changing the stamps, so the entry is re-hashed until it is not racy.
  DigestCache cache(&env_, cache_path_);
  ASSERT_EQ(cache.Md5Of("/ws/data/a").value(), kHelloMd5);
  EXPECT_EQ(cache.Md5Of("/ws/data/a").value(), kHelloMd5);
  EXPECT_EQ(cache.bytes_hashed(), 10u);
  env_.AdvanceClock(DigestCache::kRacyWindowNs);
  EXPECT_EQ(cache.Md5Of("/ws/data/a").value(), kHelloMd5);  // re-hashed, now recorded late
  EXPECT_EQ(cache.bytes_hashed(), 15u);
  EXPECT_EQ(cache.Md5Of("/ws/data/a").value(), kHelloMd5);  // trusted
  EXPECT_EQ(cache.bytes_hashed(), 15u);
}

TEST_F(DigestCacheTest, ARacyEntryCatchesASameTickRewrite) {
  DigestCache cache(&env_, cache_path_);
  ASSERT_TRUE(cache.Record("/ws/data/a", kHelloMd5).ok());
  // Same size, same clock tick: the stat key does not change, only the raciness rule saves us.
  Put("/ws/data/a", "world");
  env_.AdvanceClock(10 * kSecond);
  EXPECT_EQ(cache.Md5Of("/ws/data/a").value(), kWorldMd5);
}

TEST_F(DigestCacheTest, RecordedDigestsAreTrustedOnceOutOfTheRacyWindow) {
  env_.AdvanceClock(5 * kSecond);
  DigestCache cache(&env_, cache_path_);
  ASSERT_TRUE(cache.Record("/ws/data/a", kHelloMd5).ok());
  EXPECT_EQ(cache.Md5Of("/ws/data/a").value(), kHelloMd5);
  EXPECT_EQ(cache.bytes_hashed(), 0u);
}

TEST_F(DigestCacheTest, EntriesPersistAcrossSaveAndLoad) {
  env_.AdvanceClock(10 * kSecond);
  {
    DigestCache cache(&env_, cache_path_);
    ASSERT_TRUE(cache.Load().ok());
    ASSERT_EQ(cache.Md5Of("/ws/data/a").value(), kHelloMd5);
    ASSERT_TRUE(cache.Save().ok());
  }
  DigestCache cache(&env_, cache_path_);
  ASSERT_TRUE(cache.Load().ok());
  EXPECT_TRUE(cache.load_warning().empty());
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.Md5Of("/ws/data/a").value(), kHelloMd5);
  EXPECT_EQ(cache.bytes_hashed(), 0u);

  nlohmann::json saved = nlohmann::json::parse(
      ReadFileToString(&env_, cache_path_, 1 << 20).value());
  const nlohmann::json& e = saved["entries"]["/ws/data/a"];
  FileInfo info = env_.Stat("/ws/data/a").value();
  EXPECT_EQ(e["ino"], info.inode);
  EXPECT_EQ(e["dev"], info.device);
  EXPECT_EQ(e["size"], 5);
  EXPECT_EQ(e["mtime_ns"], info.mtime_ns);
  EXPECT_EQ(e["ctime_ns"], info.ctime_ns);
  EXPECT_EQ(e["md5"], kHelloMd5);
  EXPECT_EQ(e["recorded_ns"], MemEnv::kClockStartUnixNanos + 10 * kSecond);
}

TEST_F(DigestCacheTest, SaveWritesOnlyWhenSomethingChanged) {
  env_.AdvanceClock(10 * kSecond);
  DigestCache cache(&env_, cache_path_);
  ASSERT_TRUE(cache.Load().ok());
  ASSERT_TRUE(cache.Save().ok());
  EXPECT_TRUE(env_.LinkStat(cache_path_).status().IsNotFound());  // nothing to say yet
  ASSERT_TRUE(cache.Md5Of("/ws/data/a").ok());
  ASSERT_TRUE(cache.Save().ok());
  int64_t first = env_.Stat(cache_path_).value().mtime_ns;
  env_.AdvanceClock(kSecond);
  ASSERT_TRUE(cache.Md5Of("/ws/data/a").ok());  // a hit changes nothing
  ASSERT_TRUE(cache.Save().ok());
  EXPECT_EQ(env_.Stat(cache_path_).value().mtime_ns, first);
}

TEST_F(DigestCacheTest, ACorruptCacheFileIsAnEmptyCacheWithAWarning) {
  ASSERT_TRUE(CreateDirs(&env_, "/ws/.ferry").ok());
  ASSERT_TRUE(WriteFileAtomically(&env_, cache_path_, "{not json").ok());
  DigestCache cache(&env_, cache_path_);
  ASSERT_TRUE(cache.Load().ok());
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_NE(cache.load_warning().find(cache_path_), std::string::npos) << cache.load_warning();
  EXPECT_NE(cache.load_warning().find("starting with an empty digest cache"), std::string::npos);
}

// fuzz/digest_cache_fuzzer.cc: Racy() subtracted mtime_ns from recorded_ns in int64, which
// overflows for a corrupt entry (recorded_ns near INT64_MIN): undefined behaviour, and in
// practice a wrapped, huge age that made the entry's bogus md5 trusted.
TEST_F(DigestCacheTest, AnEntryWhoseAgeOverflowsIsRacyNotTrusted) {
  const FileInfo info = env_.Stat("/ws/data/a").value();
  const nlohmann::json entry = {{"dev", info.device},
                                {"ino", info.inode},
                                {"size", info.size},
                                {"mtime_ns", info.mtime_ns},
                                {"ctime_ns", info.ctime_ns},
                                {"md5", kWorldMd5},
                                {"recorded_ns", std::numeric_limits<int64_t>::min()}};
  nlohmann::json doc = {{"version", 1}, {"entries", nlohmann::json::object()}};
  doc["entries"]["/ws/data/a"] = entry;
  ASSERT_TRUE(CreateDirs(&env_, "/ws/.ferry").ok());
  ASSERT_TRUE(WriteFileAtomically(&env_, cache_path_, doc.dump()).ok());
  DigestCache cache(&env_, cache_path_);
  ASSERT_TRUE(cache.Load().ok());
  ASSERT_EQ(cache.size(), 1u) << cache.load_warning();
  cache.Refresh("/ws/data");                                // reads the same arithmetic
  EXPECT_EQ(cache.Md5Of("/ws/data/a").value(), kHelloMd5);  // re-hashed, not the bogus md5
  EXPECT_EQ(cache.bytes_hashed(), 5u);
}

TEST_F(DigestCacheTest, ForgetDropsTheEntry) {
  env_.AdvanceClock(10 * kSecond);
  DigestCache cache(&env_, cache_path_);
  ASSERT_TRUE(cache.Md5Of("/ws/data/a").ok());
  cache.Forget("/ws/data/a");
  EXPECT_FALSE(cache.Lookup("/ws/data/a").has_value());
  ASSERT_TRUE(cache.Md5Of("/ws/data/a").ok());
  EXPECT_EQ(cache.bytes_hashed(), 10u);
}

TEST_F(DigestCacheTest, AnEntryRecordedWithinTheWindowOfItsMtimeIsRehashed) {
  // The file was written at t; its digest recorded at t + window - 1 ns: racy.
  DigestCache cache(&env_, cache_path_);
  env_.AdvanceClock(DigestCache::kRacyWindowNs - 1);
  ASSERT_TRUE(cache.Record("/ws/data/a", kHelloMd5).ok());
  env_.AdvanceClock(10 * kSecond);
  EXPECT_EQ(cache.Md5Of("/ws/data/a").value(), kHelloMd5);
  EXPECT_EQ(cache.bytes_hashed(), 5u);
}

TEST_F(DigestCacheTest, OnlyMtimeDecidesRaciness) {
  // A metadata change (chmod moves ctime) just before the recording does not make the entry
  // racy: content writes always move mtime, and mtime is old.
  env_.AdvanceClock(10 * kSecond);
  ASSERT_TRUE(env_.Chmod("/ws/data/a", 0444).ok());
  DigestCache cache(&env_, cache_path_);
  ASSERT_TRUE(cache.Record("/ws/data/a", kHelloMd5).ok());
  EXPECT_EQ(cache.Md5Of("/ws/data/a").value(), kHelloMd5);
  EXPECT_EQ(cache.bytes_hashed(), 0u);
}

TEST_F(DigestCacheTest, AStampedRecordIsTrustedAtOnce) {
  DigestCache cache(&env_, cache_path_);
  const int64_t stamp = cache.StampNs();
  EXPECT_LE(stamp, env_.NowUnixNanos() - 2 * kSecond);
  EXPECT_EQ(stamp % (2 * kSecond), 0);
  ASSERT_TRUE(env_.SetModificationTime("/ws/data/a", stamp).ok());
  ASSERT_TRUE(cache.RecordStamped("/ws/data/a", kHelloMd5, stamp).ok());
  // No clock advance: the very next lookup (the next no-op pull) reads nothing.
  EXPECT_EQ(cache.Md5Of("/ws/data/a").value(), kHelloMd5);
  EXPECT_EQ(cache.bytes_hashed(), 0u);
}

TEST_F(DigestCacheTest, ASameSizeWriteAfterAStampedRecordIsRehashed) {
  DigestCache cache(&env_, cache_path_);
  const int64_t stamp = cache.StampNs();
  ASSERT_TRUE(env_.SetModificationTime("/ws/data/a", stamp).ok());
  ASSERT_TRUE(cache.RecordStamped("/ws/data/a", kHelloMd5, stamp).ok());
  Put("/ws/data/a", "world");  // same inode, same size, same clock tick as the recording
  EXPECT_EQ(cache.Md5Of("/ws/data/a").value(), kWorldMd5);
  EXPECT_EQ(cache.bytes_hashed(), 5u);
}

TEST_F(DigestCacheTest, RecordStampedDropsAFileWrittenSinceItsStamp) {
  DigestCache cache(&env_, cache_path_);
  const int64_t stamp = cache.StampNs();
  ASSERT_TRUE(env_.SetModificationTime("/ws/data/a", stamp).ok());
  Put("/ws/data/a", "world");  // a writer got in between the stamp and the recording
  ASSERT_TRUE(cache.RecordStamped("/ws/data/a", kHelloMd5, stamp).ok());
  EXPECT_FALSE(cache.Lookup("/ws/data/a").has_value());
  EXPECT_EQ(cache.Md5Of("/ws/data/a").value(), kWorldMd5);
}

TEST_F(DigestCacheTest, RefreshAfterAHardlinkKeepsTheDigestWithoutReading) {
  env_.AdvanceClock(10 * kSecond);
  DigestCache cache(&env_, cache_path_);
  ASSERT_EQ(cache.Md5Of("/ws/data/a").value(), kHelloMd5);
  env_.AdvanceClock(kSecond);
  ASSERT_TRUE(env_.HardLink("/ws/data/a", "/ws/data/b").ok());  // moves a's ctime
  cache.Refresh("/ws/data/a");
  EXPECT_EQ(cache.Lookup("/ws/data/a")->ctime_ns, env_.Stat("/ws/data/a").value().ctime_ns);
  EXPECT_EQ(cache.Md5Of("/ws/data/a").value(), kHelloMd5);
  EXPECT_EQ(cache.bytes_hashed(), 5u);
}

TEST_F(DigestCacheTest, WithoutRefreshAHardlinkForcesARehash) {
  env_.AdvanceClock(10 * kSecond);
  DigestCache cache(&env_, cache_path_);
  ASSERT_EQ(cache.Md5Of("/ws/data/a").value(), kHelloMd5);
  env_.AdvanceClock(kSecond);
  ASSERT_TRUE(env_.HardLink("/ws/data/a", "/ws/data/b").ok());
  EXPECT_EQ(cache.Md5Of("/ws/data/a").value(), kHelloMd5);
  EXPECT_EQ(cache.bytes_hashed(), 10u);  // ctime is part of the key
}

TEST_F(DigestCacheTest, RefreshNeverTrustsAModifiedOrRacyEntry) {
  DigestCache cache(&env_, cache_path_);
  ASSERT_TRUE(cache.Record("/ws/data/a", kHelloMd5).ok());  // racy: same tick as the write
  Put("/ws/data/b", "hello");
  env_.AdvanceClock(10 * kSecond);
  ASSERT_EQ(cache.Md5Of("/ws/data/b").value(), kHelloMd5);
  env_.AdvanceClock(kSecond);
  Put("/ws/data/b", "world");  // a real write: mtime moves
  cache.Refresh("/ws/data");   // both are under /ws/data/
  EXPECT_EQ(cache.Md5Of("/ws/data/a").value(), kHelloMd5);
  EXPECT_EQ(cache.Md5Of("/ws/data/b").value(), kWorldMd5);
  EXPECT_EQ(cache.bytes_hashed(), 15u);
}

TEST_F(DigestCacheTest, NoteReferenceCarriesTheDigestToACopyAndStampsIt) {
  env_.AdvanceClock(10 * kSecond);
  ASSERT_TRUE(CreateDirs(&env_, "/ws/data/_shared/t/p").ok());
  Put("/ws/data/_shared/t/p/1", "hello");
  Put("/ws/data/_shared/t/p/2", "world");
  env_.AdvanceClock(10 * kSecond);
  DigestCache cache(&env_, cache_path_);
  ASSERT_TRUE(cache.Md5Of("/ws/data/_shared/t/p/1").ok());
  ASSERT_TRUE(cache.Md5Of("/ws/data/_shared/t/p/2").ok());
  ASSERT_TRUE(CreateDirs(&env_, "/ws/data/pkg/t/p").ok());
  Put("/ws/data/pkg/t/p/1", "hello");  // the copies, written "now"
  Put("/ws/data/pkg/t/p/2", "world");
  cache.NoteReference("/ws/data/_shared/t", "/ws/data/pkg/t", /*shares_inode=*/false);
  EXPECT_EQ(env_.Stat("/ws/data/pkg/t/p/1").value().mtime_ns, cache.StampNs());
  EXPECT_EQ(cache.Md5Of("/ws/data/pkg/t/p/1").value(), kHelloMd5);
  EXPECT_EQ(cache.Md5Of("/ws/data/pkg/t/p/2").value(), kWorldMd5);
  EXPECT_EQ(cache.bytes_hashed(), 10u);  // only the two canonical parts, once
}

TEST_F(DigestCacheTest, MissingFileIsNotFound) {
  DigestCache cache(&env_, cache_path_);
  EXPECT_TRUE(cache.Md5Of("/ws/data/nope").status().IsNotFound());
}

}  // namespace
}  // namespace ferry
