#include "sync/path_arena.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ferry::sync {
namespace {

TEST(PathArenaTest, PathsComeBackAsAddedAcrossBlocks) {
  PathArena arena;
  std::vector<std::pair<uint32_t, std::string>> added;
  // 40 paths of ~60,000 bytes fill a 1 MiB block after 17: the 18th starts the next one whole.
  for (int i = 0; i < 40; ++i) {
    std::string path(60000, static_cast<char>('a' + i % 26));
    path += std::to_string(i);
    Result<uint32_t> offset = arena.Add(path);
    ASSERT_TRUE(offset.ok()) << offset.status().ToString();
    added.emplace_back(*offset, path);
  }
  added.emplace_back(arena.Add("d/e/f.txt").value(), "d/e/f.txt");
  for (const auto& [offset, path] : added) EXPECT_EQ(arena.Get(offset), path);
  EXPECT_EQ(arena.capacity(), size_t{3} << 20);
}

TEST(PathArenaTest, ACopyOwnsItsBytes) {
  auto original = std::make_unique<PathArena>();
  uint32_t x = original->Add("x/y").value();
  uint32_t z = original->Add("z").value();
  PathArena copy = *original;
  original.reset();
  EXPECT_EQ(copy.Get(x), "x/y");
  EXPECT_EQ(copy.Get(z), "z");
}

TEST(PathArenaTest, APathOver64KiBIsRefused) {
  PathArena arena;
  Result<uint32_t> offset = arena.Add(std::string(PathArena::kMaxPathBytes + 1, 'p'));
  ASSERT_FALSE(offset.ok());
  EXPECT_EQ(offset.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(arena.Add(std::string(PathArena::kMaxPathBytes, 'p')).ok());
}

}  // namespace
}  // namespace ferry::sync
