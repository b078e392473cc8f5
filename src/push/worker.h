// The push worker: drives every job of the queue through job_step.h until it is cleaned (or
// failed), one job per equipment at a time and the equipment in parallel (one thread each),
// so a slow NAS of one instrument never holds back another.
//
// Run():
//   1. ReplayAfterRestart: jobs a killed worker left running / awaiting_verify / verified are
//      made due at once (job_state.h PlanReplay);
//   2. a completeness scan (scan.h), then again every scan_interval_seconds;
//   3. per equipment: the oldest due job's step (RunJobStep), again and again; with nothing
//      due, wait (Env::SleepForMicros in short slices, so a stop is seen within a second)
//      until the next job is due or new work may have been enqueued (idle_poll_seconds).
// Stopping: once *stop is true (SIGTERM / SIGINT in the CLI), no new step starts and the
// running rsync / ssh is killed through the CommandRunner's cancel; the job it was on goes
// back to queued (not a failed attempt). Every queue write is durable, so a worker killed
// with -9 instead loses nothing either: the next start replays.
//
// once: steps until no job of the equipment is due, then ends (cron, tests, the benchmark).
// A verified job is re-evaluated at most max(min_verify_passes, 1) times per run, so a
// reverify_hours of 0 cannot keep a --once worker busy forever.
//
// The clock and the sleeping are the Env's (MemEnv in tests: SleepForMicros advances its
// clock), the processes the CommandRunner's.
//
// Thread-safety: Run() once per Worker, from one thread; it starts and joins its own threads.
#ifndef FERRY_PUSH_WORKER_H_
#define FERRY_PUSH_WORKER_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "ferry/status.h"
#include "push/job_step.h"

namespace ferry::push {

struct WorkerOptions {
  bool once = false;
  int64_t scan_interval_seconds = 300;
  int64_t idle_poll_seconds = 10;  // how often an idle equipment looks for new jobs
};

class Worker {
 public:
  // ctx.cancel is the stop flag (may be null: never stops unless once).
  Worker(StepContext ctx, WorkerOptions options);
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Runs as above; the first queue error (or a step's stop point, in tests) ends it.
  Status Run();

 private:
  Status RunEquipment(const std::string& equipment_id);
  Status Scan();
  bool Stopping() const;
  // Sleeps up to `seconds` in slices, returning early on stop.
  void Idle(int64_t seconds);

  const StepContext ctx_;
  const WorkerOptions options_;
};

}  // namespace ferry::push

#endif  // FERRY_PUSH_WORKER_H_
