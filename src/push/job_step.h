// One step of the push worker for one job: observe (the job as stored, the clock) -> plan
// (WorkDue: transfer, verify or re-evaluate) -> execute, each phase a named function:
//
//   TransferPhase    queued -> running; the gate again (an override may have been revoked
//                    since enqueue); the run manifest (run_manifest.h); the transport's push;
//                    running -> awaiting_verify, then the first verify pass at once.
//   VerifyPhase      one verify pass of the NAS copy: awaiting_verify -> verified, or one more
//                    pass on a verified job (the next one due reverify_hours later); a failed
//                    pass follows the job rules (hash mismatch: one immediate re-push).
//   CleanupPhase     the cleanup interlocks on facts observed just now (a fresh NAS listing);
//                    allowed: verified -> cleanup_eligible, then CleanUpJob (-> cleaned).
// A cleanup_eligible job (a cleanup interrupted by a crash) goes straight to CleanupPhase: its
// passes were counted, and the interlocks check a fresh listing against what is left.
//
// Every queue write is one durable transaction (job_queue.h), so a worker stopped anywhere
// leaves the job in a state ReplayAfterRestart resumes from. The only local deletion is
// CleanUpJob's, and it runs only after a verify pass proved the NAS copy (which, for both
// transports, is durable once it verifies) and a listing taken after it shows every file.
//
// Every state change is reported to the sink as a `note` ("job 3 running -> awaiting_verify:
// ..."), failures as `warning`s, and a finished transfer as `item_done` with its bytes.
//
// Thread-safety: RunJobStep may run on several threads for different jobs (the worker runs
// one job per equipment at a time); everything in StepContext is thread-safe.
#ifndef FERRY_PUSH_JOB_STEP_H_
#define FERRY_PUSH_JOB_STEP_H_

#include <atomic>
#include <functional>
#include <string>
#include <string_view>

#include "ferry/env.h"
#include "ferry/progress.h"
#include "ferry/status.h"
#include "push/config.h"
#include "push/job_queue.h"
#include "push/transport.h"

namespace ferry::push {

struct StepContext {
  Env* env = nullptr;
  JobQueue* queue = nullptr;
  const PushConfig* config = nullptr;
  TransportContext transport;                 // env, runner, home, cache_dir, timeouts
  ProgressSink* sink = nullptr;               // may be null
  const std::atomic<bool>* cancel = nullptr;  // the worker is stopping
  // Tests only: called at every named point of a step ("manifest", "push", "verify",
  // "listing", "cleanup", and "after <state>" after each queue write); returning true stops
  // the step there as a crash would (kCancelled "stopped at <point>").
  std::function<bool(std::string_view point)> stop_at;
};

// What one step did to a job.
struct StepOutcome {
  Job job;              // as stored after the step
  bool worked = false;  // false: nothing was due
};

// Runs whatever work job `id` has due now. An error Status only when the queue itself fails
// or a stop point was hit; a failed transfer or verify is recorded on the job instead.
Result<StepOutcome> RunJobStep(const StepContext& ctx, int64_t id);

// The phases, for tests and the `verify` command; each takes the job as last read.
Result<Job> TransferPhase(const StepContext& ctx, const Job& job);
Result<Job> VerifyPhase(const StepContext& ctx, const Job& job);
Result<Job> CleanupPhase(const StepContext& ctx, const Job& job);

// "job 3 running -> awaiting_verify: /data/lab/EQ/P/Runs/Run_1"
std::string TransitionLine(const Job& before, const Job& after, std::string_view detail);

}  // namespace ferry::push

#endif  // FERRY_PUSH_JOB_STEP_H_
