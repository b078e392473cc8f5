// `ferry push`: ship finished runs to the lab's NAS, prove every byte with SHA-256, then
// (under interlocks) free the instrument's disk. The engine is src/push/ (docs/PUSH.md).
//
//   ferry push enqueue RUN...        gate + queue each run
//   ferry push status [RUN] [--json] the queue (one run's job with RUN)
//   ferry push retry JOB             re-arm a failed job
//   ferry push verify RUN [--json]   check the run against its manifest, here and on the NAS
//                                    (does not move the queue)
//   ferry push scan                  enqueue every finished run (completeness signal)
//   ferry push worker [--once] [--events FILE|-]
// Every action takes --config FILE (default: $FERRY_PUSH_CONFIG, else /etc/ferry/push.yaml).
//
// Exit codes: 0 done; 1 a verify found missing or different files; 2 bad arguments or bad
// configuration; 3 the NAS unreachable or refusing our key (verify); 4 a run blocked by the
// Pre-Sync Gate (enqueue, scan); 5 refused for safety (retry of a job that is not failed).
//
// The worker stops on SIGTERM / SIGINT: the running rsync / ssh is killed, its job goes back
// to queued, and the process exits 0. FERRY_PUSH_NOW_OFFSET_SECONDS (tests only) moves the
// worker's clock forward, so a backoff can be tested without waiting for it.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/file_util.h"
#include "base/path.h"
#include "cli/command.h"
#include "cli/events_file.h"
#include "cli/exit_codes.h"
#include "ferry/command_runner.h"
#include "ferry/env.h"
#include "ferry/progress.h"
#include "push/config.h"
#include "push/enqueue.h"
#include "push/iso_time.h"
#include "push/job_queue.h"
#include "push/remote_verify.h"
#include "push/run_location.h"
#include "push/run_manifest.h"
#include "push/scan.h"
#include "push/transport.h"
#include "push/worker.h"

namespace ferry::cli {
namespace {

using push::Job;
using push::JobQueue;
using push::PushConfig;

std::atomic<bool> g_stop{false};

void OnStopSignal(int /*signo*/) { g_stop.store(true); }

const char* GetEnvOrEmpty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string AbsolutePath(const std::string& path) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(path, ec);
  if (ec) return path;
  std::string s = p.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

// The clock moved forward by FERRY_PUSH_NOW_OFFSET_SECONDS (tests: "now is later").
class OffsetClockEnv : public EnvWrapper {
 public:
  OffsetClockEnv(Env* target, int64_t offset_seconds)
      : EnvWrapper(target), offset_nanos_(offset_seconds * 1'000'000'000) {}
  int64_t NowUnixNanos() override { return EnvWrapper::NowUnixNanos() + offset_nanos_; }

 private:
  const int64_t offset_nanos_;
};

nlohmann::ordered_json JobJson(const Job& j) {
  return {{"id", j.id},
          {"run_path", j.run_path},
          {"equipment_id", j.equipment_id},
          {"state", std::string(push::JobStateName(j.state))},
          {"attempts", j.attempts},
          {"verify_passes", j.verify_passes},
          {"last_error", j.last_error},
          {"nas_path", j.nas_path},
          {"next_attempt_at", push::FormatIsoUtc(j.next_attempt_at)},
          {"verified_at", push::FormatIsoUtc(j.verified_at)}};
}

std::string JobTable(const std::vector<Job>& jobs) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%-5s %-16s %-14s %8s %6s  %s\n", "ID", "STATE", "EQUIPMENT",
                "ATTEMPTS", "PASSES", "RUN");
  out += line;
  for (const Job& j : jobs) {
    std::snprintf(line, sizeof line, "%-5lld %-16s %-14s %8d %6d  ", static_cast<long long>(j.id),
                  std::string(push::JobStateName(j.state)).c_str(), j.equipment_id.c_str(),
                  j.attempts, j.verify_passes);
    out += line + j.run_path + "\n";
    if (!j.last_error.empty()) out += "      last error: " + j.last_error + "\n";
  }
  return out;
}

class PushCommand : public Command {
 public:
  void Configure(CLI::App* app) override {
    app->require_subcommand(1, 1);
    auto config = [this](CLI::App* sub) {
      sub->add_option("--config", config_path_,
                      "Push configuration (default: $FERRY_PUSH_CONFIG, else "
                      "/etc/ferry/push.yaml)");
    };
    enqueue_ = app->add_subcommand("enqueue", "Gate and queue runs for push");
    enqueue_->add_option("RUN", runs_, "Run directories")->required();
    config(enqueue_);
    status_ = app->add_subcommand("status", "Show the queue, or one run's job");
    status_->add_option("RUN", run_, "A run directory");
    config(status_);
    retry_ = app->add_subcommand("retry", "Re-arm a failed job");
    retry_->add_option("JOB", job_id_, "Job id (ferry push status)")->required();
    config(retry_);
    verify_ = app->add_subcommand(
        "verify", "Check a run against its manifest here and on the NAS (queue unchanged)");
    verify_->add_option("RUN", run_, "A run directory")->required();
    config(verify_);
    scan_ = app->add_subcommand("scan", "Enqueue every finished run under each equipment root");
    config(scan_);
    worker_ = app->add_subcommand("worker", "Push, verify and clean up queued runs");
    worker_->add_flag("--once", once_, "Work until nothing is due, then exit");
    worker_->add_option("--events", events_,
                        "Write JSON-lines events (docs/EVENTS.md) to FILE, or to stdout with -");
    worker_->add_option("--scan-interval", scan_interval_, "Seconds between completeness scans")
        ->check(CLI::Range(1, 86400 * 7));
    config(worker_);
    app->footer(
        "Exit codes: 0 done; 1 verify found missing or different files; 2 bad arguments or "
        "configuration; 3 NAS unreachable or key refused; 4 run blocked by the Pre-Sync Gate; "
        "5 refused for safety.\n");
  }

  int Run(const GlobalOptions& global) override {
    Env* env = Env::Default();
    std::unique_ptr<Env> offset_env;
    if (const char* off = std::getenv("FERRY_PUSH_NOW_OFFSET_SECONDS"); off && *off) {
      offset_env = std::make_unique<OffsetClockEnv>(env, std::atoll(off));
      env = offset_env.get();
    }
    env_ = env;
    if (config_path_.empty()) config_path_ = GetEnvOrEmpty("FERRY_PUSH_CONFIG");
    if (config_path_.empty()) config_path_ = "/etc/ferry/push.yaml";
    Result<PushConfig> config = push::LoadPushConfig(env, config_path_);
    if (!config.ok()) return ReportFailure(global, config.status(), kExitUsage);
    config_ = std::move(*config);
    if (Status made = CreateDirs(env, config_.state_dir); !made.ok()) {
      return ReportFailure(global, made.WithContext("state_dir"), kExitUsage);
    }
    push::RetryPolicy policy;
    policy.max_attempts = config_.max_attempts;
    policy.reverify_seconds = static_cast<int64_t>(config_.cleanup.reverify_hours * 3600);
    Result<std::unique_ptr<JobQueue>> queue =
        JobQueue::Open(env, JoinPath(config_.state_dir, push::kQueueFileName), policy);
    if (!queue.ok()) return ReportFailure(global, queue.status());
    queue_ = std::move(*queue);

    if (enqueue_->parsed()) return Enqueue(global);
    if (status_->parsed()) return Status_(global);
    if (retry_->parsed()) return Retry(global);
    if (verify_->parsed()) return Verify(global);
    if (scan_->parsed()) return Scan(global);
    return Worker(global);
  }

 private:
  int Enqueue(const GlobalOptions& global) {
    int code = kExitOk;
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const std::string& run : runs_) {
      Result<push::EnqueueOutcome> r =
          push::EnqueueRun(env_, queue_.get(), config_, AbsolutePath(run));
      if (!r.ok()) {
        std::fprintf(stderr, "ferry: %s\n", r.status().message().c_str());
        const int c = ExitCodeFor(r.status());
        if (code == kExitOk || c == kExitNeedsHuman) code = c;
        if (global.json)
          out.push_back(
              {{"run_path", AbsolutePath(run)}, {"error", r.status().message()}, {"exit_code", c}});
        continue;
      }
      for (const push::GateFinding& f : r->verdict.soft) {
        std::fprintf(stderr, "ferry: warning: %s: %s\n", f.rule.c_str(), f.message.c_str());
      }
      if (global.json) {
        out.push_back(JobJson(r->job));
      } else {
        std::printf("job %lld %s: %s -> %s\n", static_cast<long long>(r->job.id),
                    std::string(push::JobStateName(r->job.state)).c_str(), r->job.run_path.c_str(),
                    r->job.nas_path.c_str());
      }
    }
    if (global.json) std::printf("%s\n", out.dump(2).c_str());
    return code;
  }

  int Status_(const GlobalOptions& global) {
    std::vector<Job> jobs;
    if (!run_.empty()) {
      Result<std::optional<Job>> job = queue_->FindByRunPath(AbsolutePath(run_));
      if (!job.ok()) return ReportFailure(global, job.status());
      if (!job->has_value()) {
        return ReportFailure(global,
                             Status::NotFound("no job for run " + AbsolutePath(run_) +
                                              "; queue it with ferry push enqueue"),
                             kExitUsage);
      }
      jobs.push_back(**job);
    } else {
      Result<std::vector<Job>> all = queue_->List();
      if (!all.ok()) return ReportFailure(global, all.status());
      jobs = std::move(*all);
    }
    if (global.json) {
      nlohmann::ordered_json out = nlohmann::ordered_json::array();
      for (const Job& j : jobs) out.push_back(JobJson(j));
      std::printf("%s\n", (run_.empty() ? out : out[0]).dump(2).c_str());
    } else {
      std::fputs(JobTable(jobs).c_str(), stdout);
    }
    return kExitOk;
  }

  int Retry(const GlobalOptions& global) {
    Result<Job> job = queue_->Retry(job_id_);
    if (!job.ok()) return ReportFailure(global, job.status());
    if (global.json) {
      std::printf("%s\n", JobJson(*job).dump(2).c_str());
    } else {
      std::printf("job %lld queued: %s\n", static_cast<long long>(job->id), job->run_path.c_str());
    }
    return kExitOk;
  }

  // The run's files hashed now against its manifest (local), and the NAS copy's pass.
  int Verify(const GlobalOptions& global) {
    const std::string run = AbsolutePath(run_);
    Result<push::RunLocation> loc = push::LocateRun(config_, run);
    if (!loc.ok()) return ReportFailure(global, loc.status(), kExitUsage);
    Result<std::vector<push::ManifestEntry>> manifest =
        push::ReadRunManifest(env_, run, config_.cache_dir);
    if (!manifest.ok()) {
      return ReportFailure(global, manifest.status().WithContext("run " + run + " (push it first)"),
                           kExitUsage);
    }
    Result<std::vector<push::RunFile>> files = push::ListRunFiles(env_, run, config_.cache_dir);
    Result<std::vector<push::ManifestEntry>> local =
        files.ok() ? push::HashRunFiles(env_, run, *files, 4)
                   : Result<std::vector<push::ManifestEntry>>(files.status());
    std::string local_summary;
    bool local_ok = false;
    if (local.ok()) {
      push::VerifyReport report = push::CompareWithManifest(*manifest, *local);
      local_ok = report.passed();
      // Summary() speaks of the NAS; here the run's own files were compared.
      local_summary = report.Summary();
      for (const auto& [from, to] :
           {std::pair<std::string, std::string>{" missing on the NAS", " missing locally"},
            {" extra on the NAS", " extra locally"}}) {
        if (size_t at = local_summary.find(from); at != std::string::npos) {
          local_summary.replace(at, from.size(), to);
        }
      }
    } else {
      local_summary = local.status().message();
    }
    std::unique_ptr<CommandRunner> runner = NewPosixCommandRunner();
    push::TransportContext tc = TransportContextFor(runner.get());
    Result<std::unique_ptr<push::Transport>> transport =
        push::NewTransport(loc->equipment->transport, tc);
    if (!transport.ok()) return ReportFailure(global, transport.status(), kExitUsage);
    Result<push::RemoteVerification> remote = (*transport)->Verify(run, loc->nas_path, nullptr);
    if (!remote.ok()) return ReportFailure(global, remote.status());
    const push::RemoteAttempt& a = remote->attempt;
    const bool remote_ok = a.done();
    const std::string remote_summary = a.done() ? remote->report.Summary() : a.failure.message;
    int code = local_ok && remote_ok ? kExitOk : kExitPartial;
    if (!remote_ok && (a.failure.kind == push::FailureKind::kAuth ||
                       a.failure.kind == push::FailureKind::kNetwork)) {
      code = kExitUnreachable;
    }
    if (global.json) {
      nlohmann::ordered_json j = {{"run_path", run},
                                  {"nas_path", loc->nas_path},
                                  {"local", {{"ok", local_ok}, {"summary", local_summary}}},
                                  {"nas", {{"ok", remote_ok}, {"summary", remote_summary}}},
                                  {"exit_code", code}};
      std::printf("%s\n", j.dump(2).c_str());
    } else {
      std::printf("local %s: %s\nNAS %s: %s\n", run.c_str(), local_summary.c_str(),
                  loc->nas_path.c_str(), remote_summary.c_str());
    }
    return code;
  }

  int Scan(const GlobalOptions& global) {
    Result<push::ScanReport> r = push::ScanAndEnqueue(env_, queue_.get(), config_);
    if (!r.ok()) return ReportFailure(global, r.status());
    for (const std::string& line : r->blocked) std::fprintf(stderr, "ferry: %s\n", line.c_str());
    for (const std::string& line : r->errors) std::fprintf(stderr, "ferry: %s\n", line.c_str());
    if (global.json) {
      nlohmann::ordered_json out = nlohmann::ordered_json::array();
      for (const Job& j : r->enqueued) out.push_back(JobJson(j));
      std::printf("%s\n", out.dump(2).c_str());
    } else {
      for (const Job& j : r->enqueued) {
        std::printf("job %lld queued: %s\n", static_cast<long long>(j.id), j.run_path.c_str());
      }
    }
    if (!r->blocked.empty()) return kExitNeedsHuman;
    return r->errors.empty() ? kExitOk : kExitPartial;
  }

  int Worker(const GlobalOptions& global) {
    EventsFile events_file;
    if (!events_.empty()) {
      if (Status opened = events_file.Open(events_); !opened.ok()) {
        return ReportFailure(global, opened, kExitUsage);
      }
    }
    std::vector<std::unique_ptr<ProgressSink>> sinks;
    sinks.push_back(global.verbosity < 0 ? NewSilentProgressSink() : NewAutoProgressSink(stderr));
    if (events_file.file() != nullptr) {
      sinks.push_back(NewJsonLinesProgressSink(events_file.file()));
    }
    std::unique_ptr<ProgressSink> sink = NewTeeProgressSink(std::move(sinks));
    ProgressEvent started;
    started.kind = ProgressEvent::Kind::kStarted;
    started.operation = "push";
    started.item = config_.state_dir;
    sink->OnEvent(started);

    struct sigaction sa = {};
    sa.sa_handler = OnStopSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);

    std::unique_ptr<CommandRunner> runner = NewPosixCommandRunner();
    push::StepContext ctx;
    ctx.env = env_;
    ctx.queue = queue_.get();
    ctx.config = &config_;
    ctx.transport = TransportContextFor(runner.get());
    ctx.sink = sink.get();
    ctx.cancel = &g_stop;
    push::WorkerOptions options;
    options.once = once_;
    options.scan_interval_seconds = scan_interval_;
    push::Worker worker(ctx, options);
    Status s = worker.Run();

    ProgressEvent finish;
    finish.kind = ProgressEvent::Kind::kFinish;
    finish.ok = s.ok();
    finish.message = s.ok() ? "" : s.message();
    finish.summary = ProgressSummary{};
    finish.summary->exit_status = s.ok() ? kExitOk : ExitCodeFor(s);
    sink->OnEvent(finish);
    sink.reset();
    if (!s.ok()) return ReportFailure(global, s);
    return kExitOk;
  }

  push::TransportContext TransportContextFor(CommandRunner* runner) const {
    push::TransportContext tc;
    tc.env = env_;
    tc.runner = runner;
    tc.home = GetEnvOrEmpty("HOME");
    tc.cache_dir = config_.cache_dir;
    return tc;
  }

  CLI::App* enqueue_ = nullptr;
  CLI::App* status_ = nullptr;
  CLI::App* retry_ = nullptr;
  CLI::App* verify_ = nullptr;
  CLI::App* scan_ = nullptr;
  CLI::App* worker_ = nullptr;
  std::string config_path_;
  std::vector<std::string> runs_;
  std::string run_;
  int64_t job_id_ = 0;
  bool once_ = false;
  std::string events_;
  int64_t scan_interval_ = 300;

  Env* env_ = nullptr;
  PushConfig config_;
  std::unique_ptr<JobQueue> queue_;
};

}  // namespace

std::unique_ptr<Command> NewPushCommand() { return std::make_unique<PushCommand>(); }

}  // namespace ferry::cli
