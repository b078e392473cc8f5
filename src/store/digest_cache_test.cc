#include "store/digest_cache.h"

#include <gtest/gtest.h>
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

TEST_F(DigestCacheTest, ForgetDropsTheEntry) {
  env_.AdvanceClock(10 * kSecond);
  DigestCache cache(&env_, cache_path_);
  ASSERT_TRUE(cache.Md5Of("/ws/data/a").ok());
  cache.Forget("/ws/data/a");
  EXPECT_FALSE(cache.Lookup("/ws/data/a").has_value());
  ASSERT_TRUE(cache.Md5Of("/ws/data/a").ok());
  EXPECT_EQ(cache.bytes_hashed(), 10u);
}

TEST_F(DigestCacheTest, MissingFileIsNotFound) {
  DigestCache cache(&env_, cache_path_);
  EXPECT_TRUE(cache.Md5Of("/ws/data/nope").status().IsNotFound());
}

}  // namespace
}  // namespace ferry
