// Unison as the oracle: for seeded random changes that do not conflict (every path is changed
// on at most one side), `ferry sync` on one pair of directories and Debian's
// `unison -batch -auto` on an identical copy of the pair must leave identical trees: the same
// paths with the same bytes (the backup area, .ferry-trash, aside).
//
// Changes per round, each on a random side: create a file, modify one (its size always moves,
// so both tools see the change whatever the clock's granularity), delete one, rename one to a
// fresh name, make a directory (empty, or with a file in it). Unison keeps its archives in a
// temp UNISON dir under a temp HOME, so the person's own ~/.unison is never read or written.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "support/dir_tree.h"
#include "support/ferry_binary.h"
#include "support/file_contents.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace ferry {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::DirTree;
using testing::TreeMap;

class UnisonOracleTest : public ::testing::TestWithParam<uint32_t> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::FerryBinaryIsSet());
    for (const std::string& dir : {Ferry('a'), Ferry('b'), Unison('a'), Unison('b')}) {
      fs::create_directories(dir);
    }
    fs::create_directories(tmp_.Join("home/.unison"));
  }
  std::string Ferry(char side) const { return tmp_.Join(std::string("ferry-") + side); }
  std::string Unison(char side) const { return tmp_.Join(std::string("unison-") + side); }

  // The same bytes at `rel` under side's root in both pairs.
  void Put(char side, const std::string& rel, const std::string& bytes) {
    ASSERT_TRUE(testing::WriteFile(Ferry(side) + "/" + rel, bytes));
    ASSERT_TRUE(testing::WriteFile(Unison(side) + "/" + rel, bytes));
  }
  void Remove(char side, const std::string& rel) {
    fs::remove(Ferry(side) + "/" + rel);
    fs::remove(Unison(side) + "/" + rel);
  }
  void Move(char side, const std::string& from, const std::string& to) {
    for (const std::string& root : {Ferry(side), Unison(side)}) {
      fs::create_directories(fs::path(root + "/" + to).parent_path());
      fs::rename(root + "/" + from, root + "/" + to);
    }
  }
  void MakeDir(char side, const std::string& rel) {
    fs::create_directories(Ferry(side) + "/" + rel);
    fs::create_directories(Unison(side) + "/" + rel);
  }

  void SyncBothPairs() {
    testing::RunOptions options;
    options.cwd = tmp_.path();
    options.timeout = std::chrono::seconds(30);
    CommandResult ferry =
        testing::RunCommand({testing::FerryBinary(), "sync", Ferry('a'), Ferry('b'), "--state-dir",
                             tmp_.Join("state"), "--max-delete", "100%"},
                            options);
    ASSERT_EQ(ferry.exit_code, 0) << ferry.err << ferry.out;
    options.env_add = {"HOME=" + tmp_.Join("home"), "UNISON=" + tmp_.Join("home/.unison")};
    CommandResult unison =
        testing::RunCommand({"unison", Unison('a'), Unison('b'), "-batch", "-auto", "-times",
                             "-perms", "0", "-ui", "text", "-confirmbigdel=false", "-silent"},
                            options);
    ASSERT_EQ(unison.exit_code, 0) << unison.err << unison.out;
  }

  std::string RandomBytes(size_t n) {
    std::string s(n, 'x');
    for (char& c : s) c = static_cast<char>('a' + rng_() % 26);
    return s;
  }

  testing::TempDir tmp_;
  std::mt19937 rng_;
  int next_name_ = 0;
};

TEST_P(UnisonOracleTest, RandomNonConflictingChangesEndInTheSameTrees) {
  rng_.seed(GetParam());
  // A base tree both pairs start from, synced once so both tools have a baseline.
  std::vector<std::string> files;
  for (int i = 0; i < 24; ++i) {
    std::string rel = "d" + std::to_string(i % 4) + "/f" + std::to_string(i) + ".txt";
    Put('a', rel, RandomBytes(1 + rng_() % 40));
    files.push_back(rel);
  }
  ASSERT_NO_FATAL_FAILURE(SyncBothPairs());
  ASSERT_EQ(DirTree(Ferry('b')), DirTree(Unison('b')));

  for (int round = 0; round < 3; ++round) {
    std::vector<std::string> kept;
    for (const std::string& rel : files) {
      char side = rng_() % 2 ? 'a' : 'b';
      std::string fresh = "n" + std::to_string(next_name_++);
      switch (rng_() % 6) {
        case 0: {  // modify: always a new size
          std::string old = testing::ReadFile(Ferry(side) + "/" + rel);
          Put(side, rel, RandomBytes(old.size() + 1 + rng_() % 9));
          kept.push_back(rel);
          break;
        }
        case 1:
          Remove(side, rel);
          break;
        case 2: {
          std::string to = "d" + std::to_string(rng_() % 4) + "/" + fresh + ".txt";
          Move(side, rel, to);
          kept.push_back(to);
          break;
        }
        default:
          kept.push_back(rel);
          break;
      }
    }
    for (int i = 0; i < 4; ++i) {  // creates and mkdirs
      char side = rng_() % 2 ? 'a' : 'b';
      std::string fresh = "n" + std::to_string(next_name_++);
      if (i % 2 == 0) {
        std::string rel = "d" + std::to_string(rng_() % 4) + "/" + fresh + ".txt";
        Put(side, rel, RandomBytes(rng_() % 50));
        kept.push_back(rel);
      } else if (i == 1) {
        MakeDir(side, "empty-" + fresh);
      } else {
        Put(side, "dir-" + fresh + "/inside.txt", RandomBytes(5));
        kept.push_back("dir-" + fresh + "/inside.txt");
      }
    }
    files = kept;
    ASSERT_NO_FATAL_FAILURE(SyncBothPairs());
    TreeMap ferry_a = DirTree(Ferry('a'));
    EXPECT_EQ(ferry_a, DirTree(Ferry('b'))) << "round " << round;
    EXPECT_EQ(ferry_a, DirTree(Unison('a'))) << "round " << round;
    EXPECT_EQ(DirTree(Unison('a')), DirTree(Unison('b'))) << "round " << round;
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, UnisonOracleTest, ::testing::Values(1u, 2u, 3u));

}  // namespace
}  // namespace ferry
