// The completeness scan: finds the finished runs under each equipment's root
// (<local_root>/<EQUIPMENT_ID>/...) and enqueues those that have no job yet.
//
// A directory is a finished run when its equipment's completeness signal is present in it:
//   sentinel_file  <run>/<sentinel_filename> (default acquisition_complete.flag), written by
//                  the acquisition software when it is done with the run;
//   manifest       <run>/<cache_dir>/checksums.sha256, the run manifest in ferry's format
//                  written by the acquisition software as its last step (ferry rewrites it
//                  from the files before the push).
// The walk does not descend into a run it found, into cache dirs, or deeper than
// kMaxScanDepth levels below the equipment dir; symlinks are not followed.
//
// A run that already has a job is left alone (whatever its state: re-enqueueing would re-arm
// a failed job every scan, which only an operator's `retry` should do). A run the gate blocks
// is reported and marked in its creation.json (enqueue.h), every scan.
//
// Thread-safety: free functions; `env` and `queue` are thread-safe.
#ifndef FERRY_PUSH_SCAN_H_
#define FERRY_PUSH_SCAN_H_

#include <string>
#include <vector>

#include "ferry/env.h"
#include "ferry/status.h"
#include "push/config.h"
#include "push/job_queue.h"

namespace ferry::push {

inline constexpr int kMaxScanDepth = 8;

// Every finished run of `equipment`, sorted. A missing equipment dir is no runs.
Result<std::vector<std::string>> FindCompleteRuns(Env* env, const PushConfig& config,
                                                  const EquipmentConfig& equipment);

struct ScanReport {
  std::vector<Job> enqueued;         // new jobs
  std::vector<std::string> blocked;  // one line each (GateBlockMessage)
  std::vector<std::string> errors;   // one line each: a run that could not be enqueued
};

// FindCompleteRuns over every equipment, then EnqueueRun for each run without a job. An error
// Status only when the queue fails.
Result<ScanReport> ScanAndEnqueue(Env* env, JobQueue* queue, const PushConfig& config);

}  // namespace ferry::push

#endif  // FERRY_PUSH_SCAN_H_
