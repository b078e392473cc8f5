#include "push/job_step.h"

#include <utility>
#include <vector>

#include "base/log.h"
#include "push/cleanup_interlocks.h"
#include "push/creation_status.h"
#include "push/enqueue.h"
#include "push/run_cleanup.h"
#include "push/run_location.h"
#include "push/run_manifest.h"

namespace ferry::push {
namespace {

Status StopPoint(const StepContext& ctx, std::string_view point) {
  if (ctx.stop_at && ctx.stop_at(point)) {
    return Status::Cancelled("stopped at " + std::string(point));
  }
  return Status::OK();
}

void Emit(const StepContext& ctx, ProgressEvent::Kind kind, const Job& job, std::string message) {
  if (ctx.sink == nullptr) return;
  ProgressEvent e;
  e.kind = kind;
  e.item = job.run_path;
  e.message = std::move(message);
  ctx.sink->OnEvent(e);
}

// Logs and reports a queue write, then offers the stop point after it ("after running").
Result<Job> Record(const StepContext& ctx, const Job& before, Result<Job> after,
                   std::string_view detail) {
  if (!after.ok()) return after;
  if (after->state != before.state) {
    const std::string line = TransitionLine(before, *after, detail);
    spdlog::info("{}", line);
    Emit(ctx, ProgressEvent::Kind::kNote, *after, line);
  }
  FERRY_RETURN_IF_ERROR(StopPoint(ctx, "after " + std::string(JobStateName(after->state))));
  return after;
}

// A failed push, verify or cleanup check, recorded by the job rules (PlanFailure).
Result<Job> Fail(const StepContext& ctx, const Job& job, FailureKind kind,
                 const std::string& message) {
  Emit(ctx, ProgressEvent::Kind::kWarning, job,
       std::string(FailureKindName(kind)) + ": " + message);
  return Record(ctx, job, ctx.queue->RecordFailure(job.id, job.state, kind, message), message);
}

// A job that stays where it is, due again `delay` seconds from now (so the worker does not
// spin on it).
Result<Job> Postpone(const StepContext& ctx, const Job& job, int64_t delay) {
  JobChange c;
  c.to = job.state;
  c.next_attempt_at = ctx.queue->NowSeconds() + delay;
  return Record(ctx, job, ctx.queue->Apply(job.id, job.state, c), "");
}

Result<std::unique_ptr<Transport>> TransportFor(const StepContext& ctx, const Job& job) {
  const EquipmentConfig* eq = ctx.config->FindEquipment(job.equipment_id);
  if (eq == nullptr) {
    return Status::InvalidArgument("equipment '" + job.equipment_id + "' of job " +
                                   std::to_string(job.id) +
                                   " is not in the configuration; add it back or drop the job");
  }
  return NewTransport(eq->transport, ctx.transport);
}

FailureKind LocalFailureKind(const Status& s) {
  if (s.IsNotFound()) return FailureKind::kLocalFileVanished;
  if (s.code() == StatusCode::kNotSupported) return FailureKind::kFatal;
  return FailureKind::kLocalIo;
}

int64_t ReverifySeconds(const StepContext& ctx) { return ctx.queue->policy().reverify_seconds; }

uint64_t TotalBytes(const std::vector<ManifestEntry>& entries) {
  uint64_t n = 0;
  for (const ManifestEntry& e : entries) n += e.size;
  return n;
}

}  // namespace

std::string TransitionLine(const Job& before, const Job& after, std::string_view detail) {
  std::string line = "job " + std::to_string(after.id) + " " +
                     std::string(JobStateName(before.state)) + " -> " +
                     std::string(JobStateName(after.state)) + ": " + after.run_path;
  if (!detail.empty()) line += " (" + std::string(detail) + ")";
  return line;
}

Result<Job> TransferPhase(const StepContext& ctx, const Job& job) {
  // The gate again: an override may have been revoked (or the run renamed) since enqueue.
  Result<RunLocation> location = LocateRun(*ctx.config, job.run_path);
  if (!location.ok()) return Fail(ctx, job, FailureKind::kFatal, location.status().message());
  Result<GateVerdict> verdict =
      CheckRunGate(ctx.env, *ctx.config, *location, ctx.queue->NowSeconds());
  if (!verdict.ok()) return Fail(ctx, job, FailureKind::kFatal, verdict.status().message());
  if (!verdict->eligible) {
    Status refused = RefuseBlockedRun(ctx.env, *ctx.config, job.run_path, *verdict);
    return Fail(ctx, job, FailureKind::kFatal, refused.message());
  }
  Result<std::unique_ptr<Transport>> transport = TransportFor(ctx, job);
  if (!transport.ok()) return Fail(ctx, job, FailureKind::kFatal, transport.status().message());

  FERRY_ASSIGN_OR_RETURN(Job running, Record(ctx, job, ctx.queue->StartAttempt(job.id), ""));
  FERRY_RETURN_IF_ERROR(StopPoint(ctx, "manifest"));
  Result<std::vector<ManifestEntry>> manifest =
      WriteRunManifest(ctx.env, job.run_path, ctx.config->cache_dir, ctx.transport.hash_threads);
  if (!manifest.ok()) {
    return Fail(ctx, running, LocalFailureKind(manifest.status()),
                "manifest: " + manifest.status().message());
  }
  FERRY_RETURN_IF_ERROR(StopPoint(ctx, "push"));
  if (ctx.sink != nullptr) {
    ProgressEvent plan;
    plan.kind = ProgressEvent::Kind::kItemStart;
    plan.item = job.run_path;
    ctx.sink->OnEvent(plan);
  }
  RemoteAttempt pushed =
      (*transport)->Push(job.run_path, job.nas_path, ctx.queue->NowSeconds(), ctx.cancel);
  if (pushed.outcome == RemoteAttempt::Outcome::kCancelled) {
    // The worker is stopping: not a failed attempt; the next start resumes the transfer.
    JobChange back;
    back.to = JobState::kQueued;
    back.next_attempt_at = ctx.queue->NowSeconds();
    return Record(ctx, running, ctx.queue->Apply(running.id, JobState::kRunning, back),
                  "worker stopping");
  }
  if (!pushed.done()) return Fail(ctx, running, pushed.failure.kind, pushed.failure.message);
  if (ctx.sink != nullptr) {
    // rsync reports no progress to us: the run's bytes count once the transfer is done.
    ProgressEvent bytes;
    bytes.kind = ProgressEvent::Kind::kBytes;
    bytes.item = job.run_path;
    bytes.bytes_delta = TotalBytes(*manifest);
    ctx.sink->OnEvent(bytes);
    ProgressEvent done;
    done.kind = ProgressEvent::Kind::kItemDone;
    done.item = job.run_path;
    done.ok = true;
    done.size_bytes = TotalBytes(*manifest);
    ctx.sink->OnEvent(done);
  }
  JobChange to_verify;
  to_verify.to = JobState::kAwaitingVerify;
  to_verify.last_error = "";
  FERRY_ASSIGN_OR_RETURN(
      Job awaiting,
      Record(ctx, running, ctx.queue->Apply(running.id, JobState::kRunning, to_verify),
             std::to_string(manifest->size()) + " files, " + std::to_string(TotalBytes(*manifest)) +
                 " bytes pushed"));
  return VerifyPhase(ctx, awaiting);
}

Result<Job> VerifyPhase(const StepContext& ctx, const Job& job) {
  Result<std::unique_ptr<Transport>> transport = TransportFor(ctx, job);
  if (!transport.ok()) return Fail(ctx, job, FailureKind::kFatal, transport.status().message());
  FERRY_RETURN_IF_ERROR(StopPoint(ctx, "verify"));
  Result<RemoteVerification> v = (*transport)->Verify(job.run_path, job.nas_path, ctx.cancel);
  if (!v.ok()) return Fail(ctx, job, LocalFailureKind(v.status()), v.status().message());
  if (v->attempt.outcome == RemoteAttempt::Outcome::kCancelled) return job;
  if (!v->attempt.done()) {
    return Fail(ctx, job, v->attempt.failure.kind, v->attempt.failure.message);
  }
  FERRY_ASSIGN_OR_RETURN(
      Job verified,
      Record(ctx, job, ctx.queue->RecordVerifyPass(job.id, job.state), v->report.Summary()));
  spdlog::info("job {} verify pass {}: {}", verified.id, verified.verify_passes,
               v->report.Summary());
  return CleanupPhase(ctx, verified);
}

Result<Job> CleanupPhase(const StepContext& ctx, const Job& job) {
  const CleanupConfig& cleanup = ctx.config->cleanup;
  if (!cleanup.enabled) {
    if (job.state == JobState::kCleanupEligible) return Postpone(ctx, job, ReverifySeconds(ctx));
    return job;  // verified; the next pass is already scheduled
  }
  Result<std::unique_ptr<Transport>> transport = TransportFor(ctx, job);
  if (!transport.ok()) return Fail(ctx, job, FailureKind::kFatal, transport.status().message());

  // Observe: everything the interlocks decide on, taken now.
  CleanupFacts facts;
  facts.job = job;
  facts.now = ctx.queue->NowSeconds();
  Result<std::vector<GateOverride>> overrides =
      ReadRunOverrides(ctx.env, job.run_path, ctx.config->cache_dir);
  if (!overrides.ok()) {
    spdlog::warn("job {}: cleanup not considered: {}", job.id, overrides.status().message());
    return Postpone(ctx, job, ReverifySeconds(ctx));
  }
  facts.overrides = std::move(*overrides);
  Result<std::vector<RunFile>> local = ListRunFiles(ctx.env, job.run_path, ctx.config->cache_dir);
  if (local.ok()) {
    facts.local_files = std::move(*local);
  } else if (!local.status().IsNotFound()) {  // gone: an interrupted cleanup removed it all
    spdlog::warn("job {}: cleanup not considered: {}", job.id, local.status().message());
    return Postpone(ctx, job, ReverifySeconds(ctx));
  }
  FERRY_RETURN_IF_ERROR(StopPoint(ctx, "listing"));
  RemoteListing listing = (*transport)->List(job.nas_path, ctx.cancel);
  if (listing.attempt.outcome == RemoteAttempt::Outcome::kCancelled) return job;
  if (listing.attempt.done()) facts.remote_listing = std::move(listing.files);

  // Plan.
  CleanupVerdict verdict = EvaluateCleanupInterlocks(cleanup, facts);
  if (!verdict.allowed) {
    spdlog::info("job {}: cleanup not yet: {}", job.id, verdict.refusals.front());
    if (job.state == JobState::kCleanupEligible) return Postpone(ctx, job, ReverifySeconds(ctx));
    return job;
  }

  // Execute.
  Job eligible = job;
  if (job.state == JobState::kVerified) {
    JobChange c;
    c.to = JobState::kCleanupEligible;
    FERRY_ASSIGN_OR_RETURN(eligible,
                           Record(ctx, job, ctx.queue->Apply(job.id, JobState::kVerified, c), ""));
  }
  FERRY_RETURN_IF_ERROR(StopPoint(ctx, "cleanup"));
  CleanupOptions options;
  options.cache_dir = ctx.config->cache_dir;
  options.retain_cache = cleanup.retain_cache;
  FERRY_ASSIGN_OR_RETURN(
      Job after,
      Record(ctx, eligible, CleanUpJob(ctx.queue, ctx.env, eligible, facts.local_files, options),
             std::to_string(facts.local_files.size()) + " local files deleted"));
  if (after.state == JobState::kCleanupEligible) {
    Emit(ctx, ProgressEvent::Kind::kWarning, after, after.last_error);
    return Postpone(ctx, after, BackoffSeconds(1));
  }
  return after;
}

Result<StepOutcome> RunJobStep(const StepContext& ctx, int64_t id) {
  FERRY_ASSIGN_OR_RETURN(std::optional<Job> job, ctx.queue->Get(id));
  if (!job.has_value()) return Status::NotFound("job " + std::to_string(id) + " does not exist");
  StepOutcome out;
  out.job = *job;
  Result<Job> after = *job;
  switch (WorkDue(*job, ctx.queue->NowSeconds())) {
    case DueWork::kNone:
      return out;
    case DueWork::kTransfer:
      after = TransferPhase(ctx, *job);
      break;
    case DueWork::kVerify:
      after = VerifyPhase(ctx, *job);
      break;
    case DueWork::kReevaluate:
      after = job->state == JobState::kCleanupEligible ? CleanupPhase(ctx, *job)
                                                       : VerifyPhase(ctx, *job);
      break;
  }
  if (!after.ok()) return after.status();
  out.job = *after;
  out.worked = true;
  return out;
}

}  // namespace ferry::push
