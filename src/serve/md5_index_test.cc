#include "serve/md5_index.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "base/hasher.h"
#include "serve/stack_store.h"
#include "support/digests.h"
#include "support/temp_dir.h"

namespace ferry::serve {
namespace {

using ferry::testing::Md5Hex;

// Writes `data` and dates it an hour back, outside the racy window.
void WriteOld(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
  struct timespec times[2];
  clock_gettime(CLOCK_REALTIME, &times[0]);
  times[0].tv_sec -= 3600;
  times[1] = times[0];
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
}

TEST(Md5IndexTest, HashesOncePerVersionAndSeesARenameReplace) {
  ferry::testing::TempDir dir;
  const std::string path = dir.Join("t.parquet");
  WriteOld(path, "version one");
  Md5Index index;
  auto v1 = index.Current(path);
  ASSERT_TRUE(v1.ok()) << v1.status().message();
  EXPECT_EQ(v1->md5, Md5Hex("version one"));
  EXPECT_EQ(v1->size, 11u);
  ASSERT_TRUE(index.Current(path).ok());
  EXPECT_EQ(index.hashes_computed(), 1u);

  WriteOld(dir.Join("t.new"), "version two!");
  ASSERT_EQ(std::rename(dir.Join("t.new").c_str(), path.c_str()), 0);
  auto v2 = index.Current(path);
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->md5, Md5Hex("version two!"));
  EXPECT_EQ(index.hashes_computed(), 2u);
}

TEST(Md5IndexTest, FreshFileIsRehashedUntilItLeavesTheRacyWindow) {
  ferry::testing::TempDir dir;
  const std::string path = dir.Join("t.parquet");
  std::ofstream(path) << "fresh";
  Md5Index index;
  ASSERT_TRUE(index.Current(path).ok());
  ASSERT_TRUE(index.Current(path).ok());
  EXPECT_EQ(index.hashes_computed(), 2u);
}

TEST(Md5IndexTest, MissingFileAndSymlinkAreRefused) {
  ferry::testing::TempDir dir;
  Md5Index index;
  EXPECT_TRUE(index.Current(dir.Join("none")).status().IsNotFound());
  WriteOld(dir.Join("real"), "x");
  ASSERT_EQ(symlink(dir.Join("real").c_str(), dir.Join("link").c_str()), 0);
  EXPECT_EQ(index.Current(dir.Join("link")).status().code(), StatusCode::kPermissionDenied);
}

TEST(Md5IndexTest, WarmHashesEveryPathInParallel) {
  ferry::testing::TempDir dir;
  std::vector<std::string> paths;
  for (int i = 0; i < 16; ++i) {
    paths.push_back(dir.Join("f" + std::to_string(i)));
    WriteOld(paths.back(), "file " + std::to_string(i));
  }
  Md5Index index;
  index.Warm(paths, 4);
  EXPECT_EQ(index.hashes_computed(), 16u);
  EXPECT_EQ(index.Current(paths[7])->md5, Md5Hex("file 7"));
  EXPECT_EQ(index.hashes_computed(), 16u);
}

TEST(StackStoreTest, ChangesSurviveReopening) {
  ferry::testing::TempDir dir;
  const std::string path = dir.Join("state.sqlite");
  {
    auto store = StackStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status().message();
    ASSERT_TRUE((*store)->Set("ana", StackKind::kPackages, "sales", false).ok());
    ASSERT_TRUE((*store)->Set("ana", StackKind::kDirectTables, "events", true).ok());
    ASSERT_TRUE((*store)->Set("ana", StackKind::kPackages, "sales", true).ok());
  }
  auto store = StackStore::Open(path);
  ASSERT_TRUE(store.ok());
  StackOverrides o = (*store)->OverridesFor("ana");
  EXPECT_EQ(o.size(), 2u);
  EXPECT_TRUE((o[{StackKind::kPackages, "sales"}]));
  EXPECT_TRUE((o[{StackKind::kDirectTables, "events"}]));
  EXPECT_TRUE((*store)->OverridesFor("bo").empty());
}

TEST(StackStoreTest, UnwritableLocationIsAClearError) {
  auto store = StackStore::Open("/nonexistent-dir/state.sqlite");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().message().rfind("stack state /nonexistent-dir/state.sqlite: open", 0),
            0u)
      << store.status().message();
}

}  // namespace
}  // namespace ferry::serve
