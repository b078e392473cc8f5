// The push worker on MemEnv with the `local` transport (the queue's SQLite file on the real
// disk): enqueue and its gate, the scan, and a job's whole life through Worker::Run(--once).
#include "push/worker.h"

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/mem_env.h"
#include "base/recording_progress_sink.h"
#include "push/creation_status.h"
#include "push/enqueue.h"
#include "push/scan.h"
#include "support/temp_dir.h"

namespace ferry::push {
namespace {

class PushWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EquipmentConfig eq;
    eq.id = "EQ";
    eq.local_root = "/data/lab";
    eq.transport.type = TransportType::kLocal;
    eq.transport.path = "/nas/lab";
    config_.equipment.push_back(eq);
    config_.state_dir = tmp_.path();
    config_.cleanup.enabled = true;
    config_.cleanup.min_age_hours = 0;
    config_.cleanup.min_verify_passes = 2;
    config_.cleanup.reverify_hours = 0;
    Write(run_ + "/a.tif", "pixels");
    Write(run_ + "/sub/b.csv", "1,2,3");
    queue_ = std::move(JobQueue::Open(&env_, tmp_.Join(kQueueFileName), Policy())).value();
  }
  RetryPolicy Policy() const {
    RetryPolicy p;
    p.reverify_seconds = static_cast<int64_t>(config_.cleanup.reverify_hours * 3600);
    return p;
  }
  void Write(const std::string& path, const std::string& data) {
    ASSERT_TRUE(CreateDirs(&env_, path.substr(0, path.rfind('/'))).ok());
    ASSERT_TRUE(WriteFileAtomically(&env_, path, data).ok());
  }
  std::string Read(const std::string& path) {
    Result<std::string> s = ReadFileToString(&env_, path, 1 << 20);
    return s.ok() ? *s : "<" + s.status().message() + ">";
  }
  bool Exists(const std::string& path) { return *PathExists(&env_, path); }
  StepContext Context() {
    StepContext ctx;
    ctx.env = &env_;
    ctx.queue = queue_.get();
    ctx.config = &config_;
    ctx.transport.env = &env_;
    ctx.transport.cache_dir = config_.cache_dir;
    ctx.transport.hash_threads = 2;
    ctx.sink = &sink_;
    return ctx;
  }
  Status RunOnce() {
    WorkerOptions o;
    o.once = true;
    Worker w(Context(), o);
    return w.Run();
  }
  Job JobOf(const std::string& run) { return **queue_->FindByRunPath(run); }

  MemEnv env_;
  testing::TempDir tmp_;
  PushConfig config_;
  std::unique_ptr<JobQueue> queue_;
  RecordingProgressSink sink_;
  const std::string run_ = "/data/lab/EQ/P1/Runs/Run_1";
  const std::string nas_ = "/nas/lab/EQ/P1/Runs/Run_1";
};

TEST_F(PushWorkerTest, EnqueueQueuesARunDueNowWithItsNasPath) {
  Result<EnqueueOutcome> r = EnqueueRun(&env_, queue_.get(), config_, run_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->job.state, JobState::kQueued);
  EXPECT_EQ(r->job.equipment_id, "EQ");
  EXPECT_EQ(r->job.nas_path, nas_);
}

TEST_F(PushWorkerTest, EnqueueOfABlockedRunIsAConflictAndMarksCreationJson) {
  const std::string bad = "/data/lab/EQ/P1/Runs/Run_<date>";
  Write(bad + "/a.tif", "x");
  Write(bad + "/.ferry/creation.json", "{\"operator\": \"ana\"}");
  Result<EnqueueOutcome> r = EnqueueRun(&env_, queue_.get(), config_, bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kConflict);
  EXPECT_EQ(r.status().message(),
            "run /data/lab/EQ/P1/Runs/Run_<date> is blocked by the Pre-Sync Gate: "
            "unresolved_placeholder: 'Run_<date>' has an unresolved <placeholder>; fill it in "
            "and rename the directory (and 1 more finding(s)); or add a validation override to "
            "its creation.json");
  EXPECT_EQ(Read(bad + "/.ferry/creation.json"),
            "{\n  \"operator\": \"ana\",\n  \"sync_status\": \"blocked_by_validation\"\n}\n");
  EXPECT_FALSE(queue_->FindByRunPath(bad)->has_value());
}

TEST_F(PushWorkerTest, EnqueueOfARunUnderNoEquipmentIsInvalid) {
  Result<EnqueueOutcome> r =
      EnqueueRun(&env_, queue_.get(), config_, "/data/lab/OTHER/P/Runs/Run_1");
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(PushWorkerTest, OnceTakesARunToCleanedWithShortInterlocks) {
  ASSERT_TRUE(EnqueueRun(&env_, queue_.get(), config_, run_).ok());
  ASSERT_TRUE(RunOnce().ok());
  Job job = JobOf(run_);
  EXPECT_EQ(job.state, JobState::kCleaned) << job.last_error;
  EXPECT_EQ(job.verify_passes, 2);
  EXPECT_EQ(Read(nas_ + "/a.tif"), "pixels");
  EXPECT_EQ(Read(nas_ + "/sub/b.csv"), "1,2,3");
  EXPECT_EQ(Read(nas_ + "/.ferry/checksums.sha256"), Read(run_ + "/.ferry/checksums.sha256"));
  EXPECT_FALSE(Exists(run_ + "/a.tif"));
  EXPECT_FALSE(Exists(run_ + "/sub"));
  EXPECT_TRUE(Exists(run_ + "/.ferry/checksums.sha256"));  // retain_cache
  std::vector<std::string> notes;
  for (const ProgressEvent& e : sink_.events_of(ProgressEvent::Kind::kNote)) {
    notes.push_back(e.message);
  }
  const std::string r = ": " + run_;
  EXPECT_EQ(notes, (std::vector<std::string>{
                       "job 1 queued -> running" + r,
                       "job 1 running -> awaiting_verify" + r + " (2 files, 11 bytes pushed)",
                       "job 1 awaiting_verify -> verified" + r + " (2 files match)",
                       "job 1 verified -> cleanup_eligible" + r,
                       "job 1 cleanup_eligible -> cleaned" + r + " (2 local files deleted)",
                   }));
}

TEST_F(PushWorkerTest, WithCleanupDisabledTheRunStaysVerifiedAndLocal) {
  config_.cleanup.enabled = false;
  config_.cleanup.reverify_hours = 12;
  queue_ = std::move(JobQueue::Open(&env_, tmp_.Join(kQueueFileName), Policy())).value();
  ASSERT_TRUE(EnqueueRun(&env_, queue_.get(), config_, run_).ok());
  ASSERT_TRUE(RunOnce().ok());
  Job job = JobOf(run_);
  EXPECT_EQ(job.state, JobState::kVerified);
  EXPECT_EQ(job.verify_passes, 1);
  EXPECT_EQ(job.next_attempt_at, queue_->NowSeconds() + 12 * 3600);
  EXPECT_EQ(Read(run_ + "/a.tif"), "pixels");
}

TEST_F(PushWorkerTest, AnOverrideRevokedAfterEnqueueStopsThePushAtPick) {
  const std::string con = "/data/lab/EQ/CON/Runs/Run_1";
  Write(con + "/a.tif", "x");
  Write(con + "/.ferry/creation.json",
        "{\"validation_overrides\": [{\"rule\": \"reserved_name\", \"segment\": \"CON\"}]}");
  ASSERT_TRUE(EnqueueRun(&env_, queue_.get(), config_, con).ok());
  Write(con + "/.ferry/creation.json",
        "{\"validation_overrides\": [{\"rule\": \"reserved_name\", \"segment\": \"CON\", "
        "\"revoked_at\": \"2025-12-31T00:00:00Z\"}]}");
  ASSERT_TRUE(RunOnce().ok());
  Job job = JobOf(con);
  EXPECT_EQ(job.state, JobState::kFailed);
  EXPECT_EQ(job.last_error,
            "fatal: run /data/lab/EQ/CON/Runs/Run_1 is blocked by the Pre-Sync Gate: "
            "reserved_name: 'CON' is a reserved name on Windows (CON, PRN, AUX, NUL, COM1-9, "
            "LPT1-9); rename it; or add a validation override to its creation.json");
  EXPECT_NE(Read(con + "/.ferry/creation.json").find("\"sync_status\": \"blocked_by_validation\""),
            std::string::npos);
  EXPECT_FALSE(Exists("/nas/lab/EQ/CON"));
}

TEST_F(PushWorkerTest, ScanEnqueuesRunsWithTheirSentinelOnly) {
  const std::string done = "/data/lab/EQ/P2/Runs/Run_2";
  Write(done + "/x.bin", "x");
  Write(done + "/acquisition_complete.flag", "");
  Result<ScanReport> r = ScanAndEnqueue(&env_, queue_.get(), config_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->enqueued.size(), 1u);
  EXPECT_EQ(r->enqueued[0].run_path, done);
  EXPECT_FALSE(queue_->FindByRunPath(run_)->has_value());  // no sentinel yet
  // A second scan leaves the run's job alone.
  EXPECT_TRUE(ScanAndEnqueue(&env_, queue_.get(), config_)->enqueued.empty());
}

TEST_F(PushWorkerTest, TwoRunsWithTheSameLeafNameLandInDifferentNasDirs) {
  const std::string other = "/data/lab/EQ/P2/Runs/Run_1";
  Write(other + "/a.tif", "other pixels");
  ASSERT_TRUE(EnqueueRun(&env_, queue_.get(), config_, run_).ok());
  ASSERT_TRUE(EnqueueRun(&env_, queue_.get(), config_, other).ok());
  config_.cleanup.enabled = false;
  ASSERT_TRUE(RunOnce().ok());
  EXPECT_EQ(Read(nas_ + "/a.tif"), "pixels");
  EXPECT_EQ(Read("/nas/lab/EQ/P2/Runs/Run_1/a.tif"), "other pixels");
}

}  // namespace
}  // namespace ferry::push
