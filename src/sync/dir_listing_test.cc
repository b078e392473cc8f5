#include "sync/dir_listing.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "base/file_util.h"
#include "base/mem_env.h"
#include "support/temp_dir.h"

namespace ferry::sync {
namespace {

// An Env that is not Env::Default(), so ListDirWithInfo takes ListDir + LinkStat through it.
class PassThroughEnv : public EnvWrapper {
 public:
  explicit PassThroughEnv(Env* target) : EnvWrapper(target) {}
};

std::string Describe(const std::vector<DirEntryWithInfo>& entries) {
  std::string out;
  for (const DirEntryWithInfo& e : entries) {
    const FileInfo& i = e.info;
    out += e.name + " type=" + std::to_string(static_cast<int>(i.type)) +
           " size=" + std::to_string(i.size) + " mode=" + std::to_string(i.mode) +
           " ino=" + std::to_string(i.inode) + " mtime=" + std::to_string(i.mtime_ns) + "\n";
  }
  return out;
}

// The fstatat fast path on the real disk says exactly what ListDir + LinkStat say: same
// names in the same order, links not followed, same stamps.
TEST(DirListingTest, TheRealDiskFastPathMatchesListDirPlusLinkStat) {
  testing::TempDir dir;
  Env* env = Env::Default();
  ASSERT_TRUE(WriteFileAtomically(env, dir.Join("b.txt"), "bytes", 0640).ok());
  ASSERT_TRUE(env->CreateDir(dir.Join("a-dir"), 0755).ok());
  ASSERT_TRUE(env->Symlink("b.txt", dir.Join("c-link")).ok());
  ASSERT_TRUE(env->Symlink("/nowhere", dir.Join("d-dangling")).ok());
  ASSERT_EQ(::mkfifo(dir.Join("e-fifo").c_str(), 0600), 0);

  Result<std::vector<DirEntryWithInfo>> fast = ListDirWithInfo(env, dir.path());
  ASSERT_TRUE(fast.ok()) << fast.status().ToString();
  PassThroughEnv wrapped(env);
  Result<std::vector<DirEntryWithInfo>> slow = ListDirWithInfo(&wrapped, dir.path());
  ASSERT_TRUE(slow.ok()) << slow.status().ToString();
  EXPECT_EQ(Describe(*fast), Describe(*slow));
  ASSERT_EQ(fast->size(), 5u);
  EXPECT_EQ((*fast)[0].name, "a-dir");
  EXPECT_EQ((*fast)[0].info.type, FileType::kDirectory);
  EXPECT_EQ((*fast)[1].info.size, 5u);
  EXPECT_EQ((*fast)[1].info.mode, 0640u);
  EXPECT_EQ((*fast)[2].info.type, FileType::kSymlink);
  EXPECT_EQ((*fast)[3].info.type, FileType::kSymlink);
  EXPECT_EQ((*fast)[4].info.type, FileType::kOther);
}

TEST(DirListingTest, AMissingDirectoryIsTheEnvsNotFoundEitherWay) {
  testing::TempDir dir;
  Result<std::vector<DirEntryWithInfo>> real = ListDirWithInfo(Env::Default(), dir.Join("none"));
  EXPECT_EQ(real.status().code(), StatusCode::kNotFound);
  MemEnv mem;
  EXPECT_EQ(ListDirWithInfo(&mem, "/none").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace ferry::sync
