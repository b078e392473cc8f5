// Measurements for issue 12's figures, not tests: disabled, run by bench/sync_bench.sh (which
// also runs Unison and rclone bisync on the same trees) or by hand, one phase per
// process so that the peak RSS each prints is that phase's own.
//   export FERRY_SYNC_BENCH_DIR=/tmp/syncbench
//   ferry_sync_tests --gtest_also_run_disabled_tests --gtest_filter='*SyncBench.DISABLED_MakeTrees'
//   ... DISABLED_HashBothTrees, DISABLED_FirstSync, DISABLED_NoOpSync
// MakeTrees writes 100,000 files of 4 KiB (400 MB) in 1,000 directories under a/, then copies
// them to b/ keeping mtimes (the state after `cp -a`).
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "base/file_util.h"
#include "base/hasher.h"
#include "base/parallel_hash.h"
#include "base/path.h"
#include "sync/local_replica.h"
#include "sync/sync_engine.h"

namespace ferry::sync {
namespace {

std::string BenchDir() {
  const char* dir = std::getenv("FERRY_SYNC_BENCH_DIR");
  return dir ? dir : "/tmp/ferry-sync-bench";
}

void Report(const char* what, std::chrono::steady_clock::time_point start, uint64_t files) {
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("%s: %.3f s, peak RSS %ld KiB (%.0f bytes per file)\n", what, seconds,
              usage.ru_maxrss, files ? usage.ru_maxrss * 1024.0 / files : 0.0);
}

constexpr int kDirs = 1000;
constexpr int kFilesPerDir = 100;

TEST(SyncBench, DISABLED_MakeTrees) {
  Env* env = Env::Default();
  std::string content(4096, 'x');
  for (const char* side : {"a", "b"}) {
    for (int d = 0; d < kDirs; ++d) {
      std::string dir = JoinPath(BenchDir(), std::string(side) + "/d" + std::to_string(d));
      ASSERT_TRUE(CreateDirs(env, dir).ok());
      for (int f = 0; f < kFilesPerDir; ++f) {
        std::string path = dir + "/f" + std::to_string(f);
        content.assign(4096, 'x');  // the same bytes on both sides: no residue of the last name
        std::snprintf(content.data(), 32, "%d/%d", d, f);
        auto file = env->NewWritableFile(path, 0644).value();
        ASSERT_TRUE(file->Append(content).ok());
        ASSERT_TRUE(file->Close().ok());
        ASSERT_TRUE(env->SetModificationTime(path, 1700000000000000000LL + d * 1000 + f).ok());
      }
    }
  }
}

TEST(SyncBench, DISABLED_HashBothTrees) {
  Env* env = Env::Default();
  std::vector<HashJob> jobs;
  for (const char* side : {"a", "b"}) {
    for (int d = 0; d < kDirs; ++d) {
      for (int f = 0; f < kFilesPerDir; ++f) {
        jobs.push_back({JoinPath(BenchDir(), std::string(side) + "/d" + std::to_string(d) + "/f" +
                                                 std::to_string(f)),
                        HashAlgorithm::kSha256});
      }
    }
  }
  auto start = std::chrono::steady_clock::now();
  ParallelHashFiles(env, jobs, 2, [](size_t, Result<std::string> r) { ASSERT_TRUE(r.ok()); });
  Report("hash both trees once (2 threads)", start, jobs.size() / 2);
}

void TimedSync(const char* what, bool expect_noop) {
  Env* env = Env::Default();
  LocalReplica a(env, JoinPath(BenchDir(), "a"));
  LocalReplica b(env, JoinPath(BenchDir(), "b"));
  SyncOptions options;
  options.state_dir = JoinPath(BenchDir(), "state");
  auto start = std::chrono::steady_clock::now();
  Result<SyncReport> r = RunSync(env, &a, &b, options);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  Report(what, start, uint64_t{kDirs} * kFilesPerDir);
  std::printf("  actions %zu, equal %lu, hashed %lu\n", r->plan.actions.size(),
              static_cast<unsigned long>(r->plan.equal), static_cast<unsigned long>(r->hashed));
  const SyncPhaseTimes& p = r->phases;
  std::printf("  phases: load %.3f s, observe %.3f s, plan %.3f s, execute %.3f s, commit %.3f s\n",
              p.load_ns / 1e9, p.observe_ns / 1e9, p.plan_ns / 1e9, p.execute_ns / 1e9,
              p.commit_ns / 1e9);
  if (expect_noop) {
    EXPECT_TRUE(r->plan.empty());
  }
}

TEST(SyncBench, DISABLED_FirstSync) {
  IgnoreError(RemoveTree(Env::Default(), JoinPath(BenchDir(), "state")), "start with no baseline");
  TimedSync("first sync, no baseline", false);
}

TEST(SyncBench, DISABLED_NoOpSync) { TimedSync("no-op sync", true); }

}  // namespace
}  // namespace ferry::sync
