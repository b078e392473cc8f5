#include "serve/change_watch.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "base/mem_env.h"
#include "support/temp_dir.h"

namespace ferry::serve {
namespace {

constexpr int64_t kForever = int64_t{1} << 62;  // no time-based expiry during a test

void Write(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

TEST(ChangeWatchTest, TheEpochStaysWhileNothingChangesAndAdvancesOnEveryKindOfChange) {
  ferry::testing::TempDir dir;
  const std::string file = dir.Join("t.parquet");
  Write(file, "one");
  ChangeWatch watch(Env::Default(), kForever);
  ASSERT_TRUE(watch.Watch(dir.path()));
  EXPECT_TRUE(watch.Watching(dir.path()));
  uint64_t epoch = watch.Epoch();
  EXPECT_EQ(watch.Epoch(), epoch);  // reading the queue changes nothing

  // Each change is visible at the very next call: the kernel queued it in the system call.
  auto expect_advance = [&](const char* what) {
    const uint64_t now = watch.Epoch();
    EXPECT_GT(now, epoch) << what;
    epoch = now;
    EXPECT_EQ(watch.Epoch(), epoch) << what << " (seen once)";
  };
  Write(file, "two, in place");
  expect_advance("write in place");
  Write(dir.Join("t.parquet.tmp"), "three");
  ASSERT_EQ(std::rename(dir.Join("t.parquet.tmp").c_str(), file.c_str()), 0);
  expect_advance("rename over");
  ASSERT_EQ(::chmod(file.c_str(), 0600), 0);
  expect_advance("chmod");
  ASSERT_EQ(std::remove(file.c_str()), 0);
  expect_advance("unlink");
}

TEST(ChangeWatchTest, ARemovedOrMovedDirectoryIsNoLongerWatched) {
  ferry::testing::TempDir dir;
  const std::string gone = dir.Join("gone");
  const std::string moved = dir.Join("moved");
  std::filesystem::create_directory(gone);
  std::filesystem::create_directory(moved);
  ChangeWatch watch(Env::Default(), kForever);
  ASSERT_TRUE(watch.Watch(gone));
  ASSERT_TRUE(watch.Watch(moved));
  const uint64_t epoch = watch.Epoch();

  std::filesystem::remove(gone);
  std::filesystem::rename(moved, dir.Join("elsewhere"));
  EXPECT_FALSE(watch.Watching(gone));
  EXPECT_FALSE(watch.Watching(moved));
  EXPECT_GT(watch.Epoch(), epoch);

  // A directory of the same name made later can be watched again.
  std::filesystem::create_directory(moved);
  EXPECT_TRUE(watch.Watch(moved));
  EXPECT_TRUE(watch.Watching(moved));
}

TEST(ChangeWatchTest, RefusesWhatItCannotWatch) {
  ferry::testing::TempDir dir;
  Write(dir.Join("file"), "x");
  ChangeWatch watch(Env::Default(), kForever);
  EXPECT_FALSE(watch.Watch(dir.Join("file")));     // not a directory
  EXPECT_FALSE(watch.Watch(dir.Join("missing")));  // no such directory
  EXPECT_FALSE(watch.Watching(dir.Join("file")));
}

TEST(ChangeWatchTest, TrustExpiresAfterMaxTrustOnTheGivenClock) {
  ferry::testing::TempDir dir;
  MemEnv clock;
  ChangeWatch watch(&clock, /*max_trust_ns=*/1'000'000'000);
  ASSERT_TRUE(watch.Watch(dir.path()));
  const uint64_t first = watch.Epoch();
  clock.AdvanceClock(999'999'999);
  EXPECT_EQ(watch.Epoch(), first);  // nothing changed, trust not yet expired
  clock.AdvanceClock(1);
  const uint64_t expired = watch.Epoch();
  EXPECT_GT(expired, first);
  EXPECT_EQ(watch.Epoch(), expired);  // a new second of trust starts
}

}  // namespace
}  // namespace ferry::serve
