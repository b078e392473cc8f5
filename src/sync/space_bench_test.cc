// Measurements for a document space, not tests: disabled, run by hand.
//   ferry_sync_tests --gtest_also_run_disabled_tests --gtest_filter='SpaceBench.*'
// A local tree of 10,000 documents of 1 KiB in 100 directories (on MemEnv, so the figures are
// the space's and the engine's, not a disk's), synced into a new space, then synced again with
// nothing changed.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>

#include "base/file_util.h"
#include "base/mem_env.h"
#include "support/temp_dir.h"
#include "sync/local_replica.h"
#include "sync/space_replica.h"
#include "sync/sync_engine.h"
#include "sync/sync_test_util.h"

namespace ferry::sync {
namespace {

void Report(const char* what, std::chrono::steady_clock::time_point start, uint64_t docs) {
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("%s: %.3f s for %llu documents, peak RSS %ld KiB\n", what, seconds,
              static_cast<unsigned long long>(docs), usage.ru_maxrss);
}

TEST(SpaceBench, DISABLED_FirstAndNoOpSyncIntoASpace) {
  constexpr int kDirs = 100;
  constexpr int kDocsPerDir = 100;
  MemEnv env;
  for (int d = 0; d < kDirs; ++d) {
    for (int f = 0; f < kDocsPerDir; ++f) {
      std::string content(1024, 'x');
      std::snprintf(content.data(), 32, "%d/%d", d, f);
      testing::PutFile(&env, "/a", "d" + std::to_string(d) + "/f" + std::to_string(f), content);
    }
  }
  ferry::testing::TempDir dir;
  // An empty file becomes a space; a missing one is refused as a missing root would be.
  ASSERT_TRUE(WriteFileAtomically(Env::Default(), dir.Join("bench.db"), "").ok());
  auto space = SpaceReplica::Open(Env::Default(), dir.Join("bench.db")).value();
  LocalReplica local(&env, "/a");
  SyncOptions options;
  options.state_dir = "/state";
  uint64_t docs = kDirs * kDocsPerDir;
  auto start = std::chrono::steady_clock::now();
  Result<SyncReport> first = RunSync(&env, &local, space.get(), options);
  ASSERT_TRUE(first.ok()) << "code " << static_cast<int>(first.status().code()) << ": "
                          << first.status().message();
  Report("first sync into a new space (one durable transaction per document)", start, docs);
  start = std::chrono::steady_clock::now();
  Result<SyncReport> again = RunSync(&env, &local, space.get(), options);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->plan.empty());
  EXPECT_EQ(again->hashed, 0u);
  Report("no-op sync", start, docs);
}

}  // namespace
}  // namespace ferry::sync
