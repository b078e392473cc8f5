// Crash tests of the push worker (MemEnv's lose-unsynced model, the `local` transport to a
// MemEnv path): the worker is stopped at every named point of a job's life in turn (before the
// manifest write, the transfer, each verify pass, the listing, the cleanup, and after every
// queue write), the machine "crashes" (unsynced data lost), a new worker starts (restart
// replay) and must converge to `cleaned` with a complete NAS copy. At every crash: a local
// file is gone only if its NAS copy is there, whole, with its bytes.
//
// The queue is SQLite on the real disk, outside MemEnv: its writes are durable when the call
// returns (WAL, synchronous=FULL), so the crash is modelled at the queue boundary: the stop
// points "after <state>" fall right after each queue write.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/file_util.h"
#include "base/mem_env.h"
#include "push/enqueue.h"
#include "push/worker.h"
#include "support/temp_dir.h"

namespace ferry::push {
namespace {

const std::string kRun = "/data/lab/EQ/P1/Runs/Run_1";
const std::string kNas = "/nas/lab/EQ/P1/Runs/Run_1";
const std::vector<std::pair<std::string, std::string>> kFiles = {
    {"a.tif", "pixels"}, {"sub/b.csv", "1,2,3"}, {"sub/deep/c.bin", std::string(5000, 'c')}};

struct Outcome {
  bool stopped = false;  // the stop point was reached
  std::string point;     // which
};

class PushWorkerCrashTest : public ::testing::TestWithParam<bool> {
 protected:
  PushConfig Config() const {
    PushConfig c;
    EquipmentConfig eq;
    eq.id = "EQ";
    eq.local_root = "/data/lab";
    eq.transport.type = TransportType::kLocal;
    eq.transport.path = "/nas/lab";
    c.equipment.push_back(eq);
    c.cleanup.enabled = true;
    c.cleanup.min_age_hours = 0;
    c.cleanup.min_verify_passes = 2;
    c.cleanup.reverify_hours = 0;
    c.cleanup.retain_cache = GetParam();
    return c;
  }

  // Runs a --once worker that stops at the n-th stop point (never when n < 0).
  static Status RunWorker(MemEnv* env, JobQueue* queue, const PushConfig& config, int n,
                          Outcome* out) {
    StepContext ctx;
    ctx.env = env;
    ctx.queue = queue;
    ctx.config = &config;
    ctx.transport.env = env;
    ctx.transport.hash_threads = 2;
    int seen = 0;
    ctx.stop_at = [&](std::string_view point) {
      if (n >= 0 && seen++ == n) {
        out->stopped = true;
        out->point = std::string(point);
        return true;
      }
      return false;
    };
    WorkerOptions o;
    o.once = true;
    Worker w(ctx, o);
    return w.Run();
  }

  // No local data file is gone unless the NAS has it with its bytes.
  static void ExpectNoLossAfterCrash(MemEnv* env, const std::string& where) {
    for (const auto& [rel, data] : kFiles) {
      if (*PathExists(env, kRun + "/" + rel)) continue;
      Result<std::string> nas = ReadFileToString(env, kNas + "/" + rel, 1 << 20);
      EXPECT_TRUE(nas.ok() && *nas == data) << rel << " deleted locally without a durable NAS "
                                            << "copy, crash at " << where;
    }
  }
};

TEST_P(PushWorkerCrashTest, AStopAtEveryPointThenARestartConverges) {
  int points = 0;
  for (int n = 0;; ++n) {
    SCOPED_TRACE("stop point #" + std::to_string(n));
    MemEnv env;
    testing::TempDir tmp;
    const PushConfig config = Config();
    RetryPolicy policy;
    policy.reverify_seconds = 0;
    for (const auto& [rel, data] : kFiles) {
      const std::string path = kRun + "/" + rel;
      ASSERT_TRUE(CreateDirs(&env, path.substr(0, path.rfind('/'))).ok());
      ASSERT_TRUE(WriteFileAtomically(&env, path, data).ok());
    }
    env.MarkAllDurable();
    {
      std::unique_ptr<JobQueue> q =
          std::move(JobQueue::Open(&env, tmp.Join(kQueueFileName), policy)).value();
      ASSERT_TRUE(EnqueueRun(&env, q.get(), config, kRun).ok());
      Outcome out;
      Status s = RunWorker(&env, q.get(), config, n, &out);
      if (!out.stopped) {
        ASSERT_TRUE(s.ok()) << s.message();
        points = n;
        break;
      }
      EXPECT_EQ(s.code(), StatusCode::kCancelled) << s.message();
      env.SimulateCrash(MemEnv::CrashOutcome::kLoseUnsynced);
      ExpectNoLossAfterCrash(&env, out.point);
    }
    // Restart: a new queue connection, a new worker (which replays first).
    std::unique_ptr<JobQueue> q =
        std::move(JobQueue::Open(&env, tmp.Join(kQueueFileName), policy)).value();
    Outcome none;
    Status s = RunWorker(&env, q.get(), config, -1, &none);
    ASSERT_TRUE(s.ok()) << s.message();
    Job job = **q->FindByRunPath(kRun);
    EXPECT_EQ(job.state, JobState::kCleaned) << job.last_error;
    for (const auto& [rel, data] : kFiles) {
      EXPECT_EQ(*ReadFileToString(&env, kNas + "/" + rel, 1 << 20), data);
      EXPECT_FALSE(*PathExists(&env, kRun + "/" + rel));
    }
    env.SimulateCrash(MemEnv::CrashOutcome::kLoseUnsynced);  // and the NAS copy was durable
    for (const auto& [rel, data] : kFiles) {
      EXPECT_EQ(*ReadFileToString(&env, kNas + "/" + rel, 1 << 20), data);
    }
    ASSERT_LT(n, 40) << "the job never finished without a stop";
  }
  // manifest, push, after awaiting_verify, verify, after verified, listing, ... : every phase
  // was interrupted at least once.
  EXPECT_GE(points, 12);
}

INSTANTIATE_TEST_SUITE_P(RetainCache, PushWorkerCrashTest, ::testing::Values(true, false));

}  // namespace
}  // namespace ferry::push
