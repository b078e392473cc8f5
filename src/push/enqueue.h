// Enqueueing a run for push: locate it (run_location.h), pass it through the Pre-Sync Gate
// (gate.h) with the overrides of its creation.json, then insert (or re-arm) its job.
//
// A run the gate blocks gets "sync_status": "blocked_by_validation" in its creation.json
// (creation_status.h) and no job; EnqueueRun then returns kConflict (exit 4: a person must
// rename the run or add an override), with the first blocking finding's message and how many
// more there are. The worker runs the same gate again when it picks the job
// (CheckRunGate), so an override revoked after enqueue still stops the push.
//
// Thread-safety: free functions; `env` and `queue` are thread-safe.
#ifndef FERRY_PUSH_ENQUEUE_H_
#define FERRY_PUSH_ENQUEUE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "ferry/env.h"
#include "ferry/status.h"
#include "push/config.h"
#include "push/gate.h"
#include "push/job_queue.h"
#include "push/run_location.h"

namespace ferry::push {

// The validation_overrides of <run>/<cache_dir>/creation.json; none when the file is missing;
// kInvalidArgument naming the file when it is not a JSON object or an override is malformed.
Result<std::vector<GateOverride>> ReadRunOverrides(Env* env, const std::string& run_dir,
                                                   const std::string& cache_dir);

// The gate's verdict on a located run at Unix time `now`.
Result<GateVerdict> CheckRunGate(Env* env, const PushConfig& config, const RunLocation& location,
                                 int64_t now);

// "run /data/lab/EQ/P/Runs/CON is blocked by the Pre-Sync Gate: reserved_name: <message>
// (and 1 more finding(s)); or add a validation override to its creation.json".
std::string GateBlockMessage(const std::string& run_path, const GateVerdict& verdict);

// Marks the run blocked in its creation.json and returns the kConflict refusal.
Status RefuseBlockedRun(Env* env, const PushConfig& config, const std::string& run_path,
                        const GateVerdict& verdict);

struct EnqueueOutcome {
  Job job;
  GateVerdict verdict;  // soft findings and the overridden ones, for the caller to show
};

// Locate, gate, enqueue; see above. Errors: kInvalidArgument for a path under no equipment,
// kNotFound for a run dir that does not exist, kConflict for a blocked run.
Result<EnqueueOutcome> EnqueueRun(Env* env, JobQueue* queue, const PushConfig& config,
                                  const std::string& run_path);

}  // namespace ferry::push

#endif  // FERRY_PUSH_ENQUEUE_H_
