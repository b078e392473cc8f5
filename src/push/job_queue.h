// JobQueue: the durable record of push jobs, one SQLite database (<state_dir>/sync_queue.db,
// WAL, synchronous=FULL) with the seed product's `jobs` table. Every change runs in one
// IMMEDIATE transaction that reads the row, checks the rule of job_state.h against the state
// it actually found, and writes the row back; a change that would be an illegal transition,
// or that expects a state another writer already left, is refused and nothing is written.
// A change is on disk (the WAL fsynced) when the call returns OK, so a worker killed right
// after it never repeats or loses it.
//
// Times come from Env::NowUnixNanos (the clock seam; MemEnv's AdvanceClock in tests) and are
// stored as ISO-8601 UTC text ("2026-01-01T00:00:00Z"), as the seed product's columns are.
// SQLite does its own file I/O: the Env is only the clock here.
//
// Thread-safety: every method may be called from any thread (one connection; each call holds
// the queue's mutex for its whole transaction); several processes may share the file
// (SQLite's locking, busy timeout 5 s).
#ifndef FERRY_PUSH_JOB_QUEUE_H_
#define FERRY_PUSH_JOB_QUEUE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "ferry/env.h"
#include "ferry/status.h"
#include "push/iso_time.h"
#include "push/job_state.h"

struct sqlite3;

namespace ferry::push {

// The file name of the queue inside state_dir.
inline constexpr char kQueueFileName[] = "sync_queue.db";

class JobQueue {
 public:
  // Opens (creating if missing) the database at `path`; its directory must exist.
  static Result<std::unique_ptr<JobQueue>> Open(Env* env, const std::string& path,
                                                RetryPolicy policy);
  ~JobQueue();
  JobQueue(const JobQueue&) = delete;
  JobQueue& operator=(const JobQueue&) = delete;

  // A queued job for `run_path`, due now. If the run already has a job, that job is returned
  // unchanged, except a failed one, which is re-armed (PlanRetry) as the seed product does.
  Result<Job> Enqueue(const std::string& run_path, const std::string& equipment_id,
                      const std::string& nas_path);

  // The job, or std::nullopt when there is none (not an error).
  Result<std::optional<Job>> Get(int64_t id);
  Result<std::optional<Job>> FindByRunPath(const std::string& run_path);
  // Every job, by id.
  Result<std::vector<Job>> List();
  // Jobs with work due now (WorkDue != kNone), oldest next_attempt_at first, then by id.
  Result<std::vector<Job>> DueJobs();

  // Applies `change` to job `id` if it is still in `expected` and the move is legal
  // (CheckTransition); kRefused otherwise ("job 7 is running, not queued"), kNotFound for an
  // unknown id. Returns the job as written.
  Result<Job> Apply(int64_t id, JobState expected, const JobChange& change);

  // The rules of job_state.h, applied with the queue's clock and policy.
  Result<Job> StartAttempt(int64_t id);  // queued -> running, last_attempt_at = now
  Result<Job> RecordFailure(int64_t id, JobState expected, FailureKind kind,
                            const std::string& message);
  Result<Job> RecordVerifyPass(int64_t id, JobState expected);
  // failed -> queued; kRefused for a job in any other state.
  Result<Job> Retry(int64_t id);
  // PlanReplay over every job; returns how many jobs it touched.
  Result<int> ReplayAfterRestart();

  int64_t NowSeconds() const;
  const RetryPolicy& policy() const { return policy_; }

 private:
  JobQueue(Env* env, std::string path, sqlite3* db, RetryPolicy policy);
  using SqlValue = std::variant<int64_t, std::string>;
  Status Exec(const char* sql);
  Result<std::vector<Job>> Select(const std::string& where_and_order,
                                  const std::vector<SqlValue>& args);
  Result<std::optional<Job>> SelectOne(const std::string& where, const SqlValue& arg);
  Status Write(const Job& job);
  // In one transaction: reads job `id`, checks it is in `expected` (when given), asks `plan`
  // for the change, checks the transition and writes the row.
  Result<Job> Update(int64_t id, std::optional<JobState> expected,
                     const std::function<Result<JobChange>(const Job&)>& plan);

  Env* const env_;
  const std::string path_;
  sqlite3* const db_;
  const RetryPolicy policy_;
  std::mutex mu_;  // one transaction at a time on the one connection
};

}  // namespace ferry::push

#endif  // FERRY_PUSH_JOB_QUEUE_H_
