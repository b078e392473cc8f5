#include "push/job_queue.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdio>

namespace ferry::push {
namespace {

// The seed product's columns, plus hash_mismatches (the seed keys its one-retry rule off the
// text of last_error, which a network failure in between overwrites).
const char* const kSchema =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "CREATE TABLE IF NOT EXISTS jobs ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  run_path TEXT NOT NULL UNIQUE,"
    "  equipment_id TEXT NOT NULL,"
    "  state TEXT NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  last_attempt_at TEXT,"
    "  next_attempt_at TEXT,"
    "  last_error TEXT,"
    "  verify_passes INTEGER NOT NULL DEFAULT 0,"
    "  verified_at TEXT,"
    "  enqueued_at TEXT NOT NULL,"
    "  nas_path TEXT,"
    "  hash_mismatches INTEGER NOT NULL DEFAULT 0);";

const char* const kColumns =
    "id, run_path, equipment_id, state, attempts, last_attempt_at, next_attempt_at, "
    "last_error, verify_passes, verified_at, enqueued_at, nas_path, hash_mismatches";

std::string ColumnText(sqlite3_stmt* stmt, int col) {
  const unsigned char* t = sqlite3_column_text(stmt, col);
  return t != nullptr ? reinterpret_cast<const char*>(t) : "";
}

// Statement RAII.
class Statement {
 public:
  Statement() = default;
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  sqlite3_stmt** out() { return &stmt_; }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

void BindText(sqlite3_stmt* stmt, int index, const std::string& text, bool null_if_empty) {
  if (null_if_empty && text.empty()) {
    sqlite3_bind_null(stmt, index);
  } else {
    sqlite3_bind_text(stmt, index, text.c_str(), -1, SQLITE_TRANSIENT);
  }
}

}  // namespace

JobQueue::JobQueue(Env* env, std::string path, sqlite3* db, RetryPolicy policy)
    : env_(env), path_(std::move(path)), db_(db), policy_(policy) {}

JobQueue::~JobQueue() { sqlite3_close(db_); }

Result<std::unique_ptr<JobQueue>> JobQueue::Open(Env* env, const std::string& path,
                                                 RetryPolicy policy) {
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status s = Status::IoError("push queue " + path +
                               ": open: " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory") +
                               " (check that its directory exists and is writable)");
    sqlite3_close(db);
    return s;
  }
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<JobQueue> queue(new JobQueue(env, path, db, policy));
  FERRY_RETURN_IF_ERROR(queue->Exec(kSchema));
  return queue;
}

int64_t JobQueue::NowSeconds() const { return env_->NowUnixNanos() / 1'000'000'000; }

Status JobQueue::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err != nullptr ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    return Status::IoError("push queue " + path_ + ": " + msg, /*retryable=*/true);
  }
  return Status::OK();
}

Result<std::vector<Job>> JobQueue::Select(const std::string& where_and_order,
                                          const std::vector<SqlValue>& args) {
  Statement stmt;
  const std::string sql = std::string("SELECT ") + kColumns + " FROM jobs " + where_and_order;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, stmt.out(), nullptr) != SQLITE_OK) {
    return Status::IoError("push queue " + path_ + ": read: " + sqlite3_errmsg(db_));
  }
  for (size_t i = 0; i < args.size(); ++i) {
    const int index = static_cast<int>(i) + 1;
    if (const int64_t* v = std::get_if<int64_t>(&args[i])) {
      sqlite3_bind_int64(stmt.get(), index, *v);
    } else {
      BindText(stmt.get(), index, std::get<std::string>(args[i]), false);
    }
  }
  std::vector<Job> jobs;
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    sqlite3_stmt* s = stmt.get();
    Job j;
    j.id = sqlite3_column_int64(s, 0);
    j.run_path = ColumnText(s, 1);
    j.equipment_id = ColumnText(s, 2);
    const std::string state = ColumnText(s, 3);
    std::optional<JobState> parsed = ParseJobState(state);
    if (!parsed) {
      return Status::Corruption("push queue " + path_ + ": job " + std::to_string(j.id) +
                                " has unknown state '" + state + "' (written by a newer ferry?)");
    }
    j.state = *parsed;
    j.attempts = sqlite3_column_int(s, 4);
    j.last_attempt_at = ParseIsoUtc(ColumnText(s, 5));
    j.next_attempt_at = ParseIsoUtc(ColumnText(s, 6));
    j.last_error = ColumnText(s, 7);
    j.verify_passes = sqlite3_column_int(s, 8);
    j.verified_at = ParseIsoUtc(ColumnText(s, 9));
    j.enqueued_at = ParseIsoUtc(ColumnText(s, 10));
    j.nas_path = ColumnText(s, 11);
    j.hash_mismatches = sqlite3_column_int(s, 12);
    jobs.push_back(std::move(j));
  }
  if (rc != SQLITE_DONE) {
    return Status::IoError("push queue " + path_ + ": read: " + sqlite3_errmsg(db_));
  }
  return jobs;
}

Result<std::optional<Job>> JobQueue::SelectOne(const std::string& where, const SqlValue& arg) {
  FERRY_ASSIGN_OR_RETURN(std::vector<Job> jobs, Select(where, {arg}));
  if (jobs.empty()) return std::optional<Job>();
  return std::optional<Job>(std::move(jobs.front()));
}

Status JobQueue::Write(const Job& job) {
  Statement stmt;
  const char* sql =
      "UPDATE jobs SET state = ?2, attempts = ?3, last_attempt_at = ?4, next_attempt_at = ?5, "
      "last_error = ?6, verify_passes = ?7, verified_at = ?8, hash_mismatches = ?9 "
      "WHERE id = ?1";
  if (sqlite3_prepare_v2(db_, sql, -1, stmt.out(), nullptr) != SQLITE_OK) {
    return Status::IoError("push queue " + path_ + ": write: " + sqlite3_errmsg(db_));
  }
  sqlite3_stmt* s = stmt.get();
  sqlite3_bind_int64(s, 1, job.id);
  BindText(s, 2, std::string(JobStateName(job.state)), false);
  sqlite3_bind_int(s, 3, job.attempts);
  BindText(s, 4, FormatIsoUtc(job.last_attempt_at), true);
  BindText(s, 5, FormatIsoUtc(job.next_attempt_at), true);
  BindText(s, 6, job.last_error, true);
  sqlite3_bind_int(s, 7, job.verify_passes);
  BindText(s, 8, FormatIsoUtc(job.verified_at), true);
  sqlite3_bind_int(s, 9, job.hash_mismatches);
  if (sqlite3_step(s) != SQLITE_DONE) {
    return Status::IoError("push queue " + path_ + ": write job " + std::to_string(job.id) + ": " +
                           sqlite3_errmsg(db_));
  }
  return Status::OK();
}

Result<Job> JobQueue::Update(int64_t id, std::optional<JobState> expected,
                             const std::function<Result<JobChange>(const Job&)>& plan) {
  std::lock_guard<std::mutex> lock(mu_);
  FERRY_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  auto body = [&]() -> Result<Job> {
    FERRY_ASSIGN_OR_RETURN(std::optional<Job> job, SelectOne("WHERE id = ?1", id));
    if (!job) return Status::NotFound("no push job " + std::to_string(id));
    if (expected && job->state != *expected) {
      return Status::Refused("job " + std::to_string(id) + " is " +
                             std::string(JobStateName(job->state)) + ", not " +
                             std::string(JobStateName(*expected)));
    }
    FERRY_ASSIGN_OR_RETURN(JobChange change, plan(*job));
    FERRY_RETURN_IF_ERROR(CheckTransition(id, job->state, change.to));
    Job updated = ApplyChange(*job, change);
    FERRY_RETURN_IF_ERROR(Write(updated));
    return updated;
  };
  Result<Job> result = body();
  if (!result.ok()) {
    IgnoreError(Exec("ROLLBACK"), "the error that made us roll back is the one to report");
    return result;
  }
  FERRY_RETURN_IF_ERROR(Exec("COMMIT"));
  return result;
}

Result<Job> JobQueue::Enqueue(const std::string& run_path, const std::string& equipment_id,
                              const std::string& nas_path) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    Statement stmt;
    const char* sql =
        "INSERT INTO jobs (run_path, equipment_id, state, enqueued_at, nas_path) "
        "VALUES (?1, ?2, 'queued', ?3, ?4) ON CONFLICT (run_path) DO NOTHING";
    if (sqlite3_prepare_v2(db_, sql, -1, stmt.out(), nullptr) != SQLITE_OK) {
      return Status::IoError("push queue " + path_ + ": enqueue: " + sqlite3_errmsg(db_));
    }
    BindText(stmt.get(), 1, run_path, false);
    BindText(stmt.get(), 2, equipment_id, false);
    BindText(stmt.get(), 3, FormatIsoUtc(NowSeconds()), false);
    BindText(stmt.get(), 4, nas_path, true);
    if (sqlite3_step(stmt.get()) != SQLITE_DONE) {
      return Status::IoError("push queue " + path_ + ": enqueue " + run_path + ": " +
                             sqlite3_errmsg(db_));
    }
  }
  FERRY_ASSIGN_OR_RETURN(std::optional<Job> job, FindByRunPath(run_path));
  if (!job) return Status::Internal("push queue " + path_ + ": enqueued " + run_path + " vanished");
  if (job->state != JobState::kFailed) return *job;
  return Update(job->id, JobState::kFailed,
                [](const Job&) -> Result<JobChange> { return PlanRetry(); });
}

Result<std::optional<Job>> JobQueue::Get(int64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  return SelectOne("WHERE id = ?1", id);
}

Result<std::optional<Job>> JobQueue::FindByRunPath(const std::string& run_path) {
  std::lock_guard<std::mutex> lock(mu_);
  return SelectOne("WHERE run_path = ?1", run_path);
}

Result<std::vector<Job>> JobQueue::List() {
  std::lock_guard<std::mutex> lock(mu_);
  return Select("ORDER BY id", {});
}

Result<std::vector<Job>> JobQueue::DueJobs() {
  FERRY_ASSIGN_OR_RETURN(std::vector<Job> all, List());
  const int64_t now = NowSeconds();
  std::vector<Job> due;
  for (Job& j : all) {
    if (WorkDue(j, now) != DueWork::kNone) due.push_back(std::move(j));
  }
  std::stable_sort(due.begin(), due.end(), [](const Job& a, const Job& b) {
    return a.next_attempt_at < b.next_attempt_at;
  });
  return due;
}

Result<Job> JobQueue::Apply(int64_t id, JobState expected, const JobChange& change) {
  return Update(id, expected, [&](const Job&) -> Result<JobChange> { return change; });
}

Result<Job> JobQueue::StartAttempt(int64_t id) {
  const int64_t now = NowSeconds();
  return Update(id, JobState::kQueued, [&](const Job&) -> Result<JobChange> {
    JobChange c;
    c.to = JobState::kRunning;
    c.last_attempt_at = now;
    return c;
  });
}

Result<Job> JobQueue::RecordFailure(int64_t id, JobState expected, FailureKind kind,
                                    const std::string& message) {
  const int64_t now = NowSeconds();
  return Update(id, expected, [&](const Job& job) -> Result<JobChange> {
    return PlanFailure(job, kind, message, policy_, now);
  });
}

Result<Job> JobQueue::RecordVerifyPass(int64_t id, JobState expected) {
  const int64_t now = NowSeconds();
  return Update(id, expected, [&](const Job& job) -> Result<JobChange> {
    return PlanVerifyPass(job, policy_, now);
  });
}

Result<Job> JobQueue::Retry(int64_t id) {
  return Update(id, std::nullopt, [&](const Job& job) -> Result<JobChange> {
    if (job.state != JobState::kFailed) {
      return Status::Refused("job " + std::to_string(id) + " is " +
                             std::string(JobStateName(job.state)) +
                             ", not failed; only a failed job can be retried");
    }
    return PlanRetry();
  });
}

Result<int> JobQueue::ReplayAfterRestart() {
  FERRY_ASSIGN_OR_RETURN(std::vector<Job> all, List());
  int touched = 0;
  for (const auto& [id, change] : PlanReplay(all, NowSeconds())) {
    const JobState expected = change.to == JobState::kQueued ? JobState::kRunning : change.to;
    FERRY_RETURN_IF_ERROR(Apply(id, expected, change).status());
    ++touched;
  }
  return touched;
}

}  // namespace ferry::push
