#include "serve/md5_index.h"

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/hasher.h"
#include "base/mem_env.h"
#include "serve/stack_store.h"
#include "support/digests.h"
#include "support/temp_dir.h"

namespace ferry::serve {
namespace {

using ferry::testing::Md5Hex;

// The index reads a MemEnv: files are written in memory and the racy rule's clock moves
// only when the test moves it.
class Md5IndexTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(env_.CreateDir("/data").ok()); }
  // Writes `data` and moves the clock past the racy window, as if written long ago.
  void WriteOld(const std::string& path, const std::string& data) {
    Write(path, data);
    env_.AdvanceClock(Md5Index::kRacyWindowNs);
  }
  void Write(const std::string& path, const std::string& data) {
    ASSERT_TRUE(WriteFileAtomically(&env_, path, data, 0644).ok());
  }
  MemEnv env_;
  Md5Index index_{&env_, nullptr};
};

TEST_F(Md5IndexTest, HashesOncePerVersionAndSeesARenameReplace) {
  const std::string path = "/data/t.parquet";
  WriteOld(path, "version one");
  auto v1 = index_.Current(path);
  ASSERT_TRUE(v1.ok()) << v1.status().message();
  EXPECT_EQ(v1->md5, Md5Hex("version one"));
  EXPECT_EQ(v1->size, 11u);
  ASSERT_TRUE(index_.Current(path).ok());
  EXPECT_EQ(index_.hashes_computed(), 1u);

  WriteOld("/data/t.new", "version two!");
  ASSERT_TRUE(env_.Rename("/data/t.new", path).ok());
  auto v2 = index_.Current(path);
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->md5, Md5Hex("version two!"));
  EXPECT_EQ(index_.hashes_computed(), 2u);
}

TEST_F(Md5IndexTest, FreshFileIsRehashedUntilItLeavesTheRacyWindow) {
  const std::string path = "/data/t.parquet";
  Write(path, "fresh");
  ASSERT_TRUE(index_.Current(path).ok());
  ASSERT_TRUE(index_.Current(path).ok());
  EXPECT_EQ(index_.hashes_computed(), 2u);  // hashed in the file's own tick: not trusted
  env_.AdvanceClock(Md5Index::kRacyWindowNs - 1);
  ASSERT_TRUE(index_.Current(path).ok());
  EXPECT_EQ(index_.hashes_computed(), 3u);  // still inside the window
  env_.AdvanceClock(1);
  ASSERT_TRUE(index_.Current(path).ok());
  ASSERT_TRUE(index_.Current(path).ok());
  EXPECT_EQ(index_.hashes_computed(), 4u);  // hashed at the window's end, then trusted
}

// The same-tick edit the racy rule exists for: same size, same mtime (the clock did not move),
// different bytes. The index must not serve the old digest.
TEST_F(Md5IndexTest, SameSizeEditInTheSameTickIsSeen) {
  const std::string path = "/data/t.parquet";
  Write(path, "aaaa");
  ASSERT_EQ(index_.Current(path)->md5, Md5Hex("aaaa"));
  auto f = env_.NewWritableFile(path, 0644);  // in place: same inode
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->Append("bbbb").ok());
  ASSERT_TRUE((*f)->Close().ok());
  EXPECT_EQ(index_.Current(path)->md5, Md5Hex("bbbb"));
}

TEST_F(Md5IndexTest, MissingFileAndSymlinkAreRefused) {
  EXPECT_TRUE(index_.Current("/data/none").status().IsNotFound());
  WriteOld("/data/real", "x");
  ASSERT_TRUE(env_.Symlink("/data/real", "/data/link").ok());
  auto link = index_.Current("/data/link");
  EXPECT_EQ(link.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(link.status().message(), "serve /data/link: not a regular file; refused");
}

TEST_F(Md5IndexTest, WarmHashesEveryPathInParallel) {
  std::vector<std::string> paths;
  for (int i = 0; i < 16; ++i) {
    paths.push_back("/data/f" + std::to_string(i));
    Write(paths.back(), "file " + std::to_string(i));
  }
  env_.AdvanceClock(Md5Index::kRacyWindowNs);
  index_.Warm(paths, 4);
  EXPECT_EQ(index_.hashes_computed(), 16u);
  EXPECT_EQ(index_.Current(paths[7])->md5, Md5Hex("file 7"));
  EXPECT_EQ(index_.hashes_computed(), 16u);
}

// Adapter level: the same index on the real disk (pread and fstat through PosixEnv).
TEST(Md5IndexPosixTest, HashesARealFile) {
  ferry::testing::TempDir dir;
  const std::string path = dir.Join("t.parquet");
  ASSERT_TRUE(WriteFileAtomically(Env::Default(), path, "on disk", 0644).ok());
  Md5Index index(Env::Default(), nullptr);
  auto v = index.Current(path);
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->md5, Md5Hex("on disk"));
  EXPECT_EQ(v->size, 7u);
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
