#include "push/worker.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "base/log.h"
#include "push/scan.h"

namespace ferry::push {
namespace {

constexpr int64_t kSliceMicros = 250'000;

// The equipment's job to work on now: its oldest due job, skipping those `once` has
// re-evaluated enough; nullopt when none.
std::optional<Job> NextJob(const std::vector<Job>& due, const std::string& equipment_id,
                           const std::map<int64_t, int>& reevaluations, int max_reevaluations) {
  for (const Job& job : due) {
    if (job.equipment_id != equipment_id) continue;
    const bool reevaluate =
        job.state == JobState::kVerified || job.state == JobState::kCleanupEligible;
    auto it = reevaluations.find(job.id);
    if (reevaluate && it != reevaluations.end() && it->second >= max_reevaluations) continue;
    return job;
  }
  return std::nullopt;
}

}  // namespace

Worker::Worker(StepContext ctx, WorkerOptions options) : ctx_(std::move(ctx)), options_(options) {}

bool Worker::Stopping() const { return ctx_.cancel != nullptr && ctx_.cancel->load(); }

void Worker::Idle(int64_t seconds) {
  const int64_t end = ctx_.env->NowMonotonicNanos() + seconds * 1'000'000'000;
  while (!Stopping() && ctx_.env->NowMonotonicNanos() < end) {
    ctx_.env->SleepForMicros(kSliceMicros);
  }
}

Status Worker::Scan() {
  FERRY_ASSIGN_OR_RETURN(ScanReport report, ScanAndEnqueue(ctx_.env, ctx_.queue, *ctx_.config));
  for (const Job& job : report.enqueued) {
    spdlog::info("job {} enqueued by the scan: {}", job.id, job.run_path);
  }
  for (const std::string& line : report.blocked) spdlog::warn("{}", line);
  for (const std::string& line : report.errors) spdlog::warn("scan: {}", line);
  return Status::OK();
}

Status Worker::RunEquipment(const std::string& equipment_id) {
  std::map<int64_t, int> reevaluations;
  const int max_reevaluations = std::max(ctx_.config->cleanup.min_verify_passes, 1);
  while (!Stopping()) {
    FERRY_ASSIGN_OR_RETURN(std::vector<Job> due, ctx_.queue->DueJobs());
    std::optional<Job> job =
        NextJob(due, equipment_id, reevaluations, options_.once ? max_reevaluations : 1 << 30);
    if (!job.has_value()) {
      if (options_.once) return Status::OK();
      // Until the equipment's next job is due, or new work may have come in.
      int64_t wait = options_.idle_poll_seconds;
      FERRY_ASSIGN_OR_RETURN(std::vector<Job> all, ctx_.queue->List());
      const int64_t now = ctx_.queue->NowSeconds();
      for (const Job& j : all) {
        if (j.equipment_id == equipment_id && j.next_attempt_at > now &&
            WorkDue(j, j.next_attempt_at) != DueWork::kNone) {
          wait = std::min(wait, j.next_attempt_at - now);
        }
      }
      Idle(std::max<int64_t>(wait, 1));
      continue;
    }
    if (job->state == JobState::kVerified || job->state == JobState::kCleanupEligible) {
      ++reevaluations[job->id];
    }
    FERRY_ASSIGN_OR_RETURN(StepOutcome out, RunJobStep(ctx_, job->id));
    (void)out;
  }
  return Status::OK();
}

Status Worker::Run() {
  FERRY_ASSIGN_OR_RETURN(int replayed, ctx_.queue->ReplayAfterRestart());
  if (replayed > 0) spdlog::info("restart replay: {} job(s) resumed", replayed);
  FERRY_RETURN_IF_ERROR(Scan());

  std::mutex mu;
  Status first_error;
  std::vector<std::thread> threads;
  for (const EquipmentConfig& eq : ctx_.config->equipment) {
    threads.emplace_back([this, &mu, &first_error, id = eq.id] {
      Status s = RunEquipment(id);
      if (!s.ok()) {
        spdlog::error("equipment '{}': {}", id, s.message());
        std::lock_guard<std::mutex> lock(mu);
        if (first_error.ok()) first_error = s;
      }
    });
  }
  if (!options_.once) {
    while (!Stopping()) {
      Idle(options_.scan_interval_seconds);
      if (Stopping()) break;
      if (Status s = Scan(); !s.ok()) spdlog::warn("scan: {}", s.message());
    }
  }
  for (std::thread& t : threads) t.join();
  return first_error;
}

}  // namespace ferry::push
