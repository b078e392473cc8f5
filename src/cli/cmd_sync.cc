// `ferry sync`: make two replicas agree, three-way against the baseline of their last sync
// (src/sync/sync_engine.h, docs/SYNC.md).
//
//   ferry sync A B [--direction both|a-to-b|b-to-a] [--conflict POLICY] [--delete-orphans]
//                  [--dry-run] [--plan-out FILE] [--events FILE|-] [--exclude PATTERN]...
//                  [--max-delete N|N%] [--force] [--state-dir DIR] [--backup-dir DIR] [--json]
//   ferry sync apply PLAN_FILE [--events FILE|-] [--state-dir DIR] [--backup-dir DIR] [--json]
//
// A and B are replica specs (sync/replica_spec.h): a directory, or space:FILE.db. "apply" as
// the first of two arguments applies a saved plan; a directory named "apply" is "./apply".
//
// Output: --dry-run prints the plan, one line per action, conflict and skip; every run ends
// with the summary line (or, with --json, one object on stdout). --events writes the JSON
// lines of docs/EVENTS.md "ferry sync" to FILE, or to stdout with "-" (the plan and summary
// then go to stderr, and --json is refused). A progress bar goes to stderr on a TTY.
//
// Exit codes (README): 0 done; 1 some actions failed or were skipped because their paths
// changed during the sync; 2 usage; 4 unresolved conflicts (skip, manual, dir vs file); 5
// refused for safety (--max-delete, a missing or emptied root with a baseline, a baseline of
// other roots, the pair locked by another sync).
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/file_util.h"
#include "cli/command.h"
#include "cli/events_file.h"
#include "cli/exit_codes.h"
#include "ferry/env.h"
#include "ferry/progress.h"
#include "sync/apply_plan.h"
#include "sync/excluding_replica.h"
#include "sync/plan_file.h"
#include "sync/replica_spec.h"
#include "sync/state_dir.h"
#include "sync/sync_engine.h"
#include "sync/sync_events.h"
#include "sync/sync_summary.h"

namespace ferry::cli {
namespace {

using sync::SyncSummary;

constexpr uint64_t kMaxPlanFileBytes = uint64_t{1} << 30;

std::string GetEnvOrEmpty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

class SyncCommand : public Command {
 public:
  void Configure(CLI::App* app) override {
    app->add_option("replicas", args_,
                    "A B: two replicas (a directory, or space:FILE.db); or: apply PLAN_FILE")
        ->expected(2);
    app->add_option("--direction", direction_, "both (default), a-to-b or b-to-a");
    app->add_option("--conflict", conflict_,
                    "newer (default), a, b, older, larger, keep-both, skip or manual");
    app->add_flag("--delete-orphans", delete_orphans_,
                  "One-way: delete (with backup) what exists only on the target");
    app->add_flag("--dry-run", dry_run_, "Print the plan and change nothing");
    app->add_option("--plan-out", plan_out_, "Write the plan as JSON (for ferry sync apply)");
    app->add_option("--events", events_,
                    "Write JSON-lines events (docs/EVENTS.md) to FILE, or to stdout with -");
    // One pattern per --exclude, so that "--exclude '*.tmp' A B" leaves A and B positional.
    app->add_option("--exclude", excludes_,
                    "Leave out paths matching PATTERN on both sides (repeatable; *, ?, **, "
                    "/anchored, dir/)")
        ->allow_extra_args(false)
        ->take_all();
    app->add_option("--max-delete", max_delete_,
                    "Refuse to delete more than N files, or N% of a side (default 50%)");
    app->add_flag("--force", force_, "Skip the safety checks (deletions, empty roots, baseline)");
    app->add_option("--state-dir", state_dir_,
                    "Baselines and locks (default $XDG_STATE_HOME/ferry/sync or "
                    "~/.local/state/ferry/sync)");
    app->add_option("--backup-dir", backup_dir_,
                    "Backups under this directory of each replica, relative to its root "
                    "(default .ferry-trash)");
    app->footer(
        "Exit codes: 0 done; 1 some actions failed or were skipped because their paths "
        "changed during the sync; 2 bad arguments or plan file; 4 unresolved conflicts "
        "(--conflict skip or manual, a directory against a file); 5 refused for safety "
        "(--max-delete, a missing or emptied root, a baseline of other roots, the pair "
        "locked by another sync; --force overrides all but the lock).\n");
  }

  int Run(const GlobalOptions& global) override {
    global_ = global;
    if (events_ == "-" && global.json) {
      return Usage(Status::InvalidArgument(
          "--events - and --json both write to stdout; pass --events FILE with --json"));
    }
    if (!events_.empty()) {
      if (Status s = events_out_.Open(events_); !s.ok()) return Usage(s);
    }
    report_out_ = events_ == "-" ? stderr : stdout;
    if (args_.size() == 2 && args_[0] == "apply") return RunApply(args_[1]);
    return RunSync();
  }

 private:
  int Usage(const Status& s) { return ReportFailure(global_, s, kExitUsage); }

  // Everything both forms share: the state dir, the backup dir and the excludes.
  Status PrepareCommon(sync::ExcludeRules* rules) {
    if (state_dir_.empty()) {
      FERRY_ASSIGN_OR_RETURN(state_dir_, sync::DefaultStateDir(GetEnvOrEmpty("XDG_STATE_HOME"),
                                                               GetEnvOrEmpty("HOME")));
    }
    state_dir_ = std::filesystem::absolute(state_dir_).lexically_normal().string();
    if (!backup_dir_.empty()) {
      while (backup_dir_.size() > 1 && backup_dir_.back() == '/') backup_dir_.pop_back();
      if (!sync::IsValidReplicaPath(backup_dir_)) {
        return Status::InvalidArgument(
            "--backup-dir " + backup_dir_ +
            ": must be a path relative to each replica's root, without . or .. (backups are "
            "moved there with one rename, so they stay on the replica's filesystem)");
      }
      // The backup area must never be synced, counted or deleted.
      FERRY_RETURN_IF_ERROR(rules->Add("/" + backup_dir_ + "/"));
    }
    for (const std::string& p : excludes_) FERRY_RETURN_IF_ERROR(rules->Add(p));
    return Status::OK();
  }

  Result<std::unique_ptr<sync::Replica>> Open(const std::string& spec,
                                              const sync::ExcludeRules& rules) {
    std::error_code ec;
    std::string cwd = std::filesystem::current_path(ec).string();
    FERRY_ASSIGN_OR_RETURN(std::unique_ptr<sync::Replica> inner,
                           sync::OpenReplica(Env::Default(), spec, cwd));
    return std::unique_ptr<sync::Replica>(
        std::make_unique<sync::ExcludingReplica>(std::move(inner), rules));
  }

  // The bar on stderr (nothing under --json or --quiet) and the per-action callbacks.
  void StartProgress(const std::string& operation, const std::string& id_a, const std::string& id_b,
                     std::string_view direction) {
    bar_ = (global_.json || global_.verbosity < 0) ? NewSilentProgressSink()
                                                   : NewAutoProgressSink(stderr);
    ProgressEvent e;
    e.kind = ProgressEvent::Kind::kStarted;
    e.operation = "sync";
    e.item = id_a;
    e.peer = id_b;
    bar_->OnEvent(e);
    events_out_.Write(sync::SyncStartedEvent(operation, id_a, id_b, direction, dry_run_));
  }
  void OnPlan(const sync::SyncPlan& plan) {
    ProgressEvent e;
    e.kind = ProgressEvent::Kind::kPlan;
    e.files_total = plan.actions.size();
    for (const sync::SyncAction& act : plan.actions) {
      if (act.op == sync::ActionOp::kCopy) e.bytes_total += act.source.size;
    }
    bar_->OnEvent(e);
    for (const sync::Conflict& c : plan.conflicts) events_out_.Write(sync::ConflictEvent(c));
  }
  void OnAction(const sync::SyncAction& act, const sync::ActionOutcome& outcome) {
    const bool done = outcome.result == sync::ActionResult::kDone;
    if (done && act.op == sync::ActionOp::kCopy && act.source.size > 0) {
      ProgressEvent bytes;
      bytes.kind = ProgressEvent::Kind::kBytes;
      bytes.item = act.path;
      bytes.bytes_delta = act.source.size;
      bar_->OnEvent(bytes);
    }
    ProgressEvent e;
    e.kind = ProgressEvent::Kind::kItemDone;
    e.item = act.path;
    e.ok = done;
    if (!done) e.message = outcome.status.message();
    bar_->OnEvent(e);
    events_out_.Write(sync::ActionEvent(act, &outcome));
  }
  sync::ExecuteOptions MakeExecuteOptions() {
    sync::ExecuteOptions o;
    o.backup_dir = backup_dir_;
    o.on_action = [this](const sync::SyncAction& act, const sync::ActionOutcome& outcome) {
      OnAction(act, outcome);
    };
    return o;
  }

  // The sync stopped as a whole: the event stream hears it, then the one-line error.
  int Fail(const Status& s, int code) {
    events_out_.Write(sync::SyncCompletedEvent(false, s.message(), SyncSummary{}, code));
    bar_.reset();
    return ReportFailure(global_, s, code);
  }

  int Finish(const sync::SyncReport& report, const std::string& id_a, const std::string& id_b) {
    SyncSummary summary = sync::SummarizeSync(report, dry_run_);
    const int code = sync::SyncExitCode(summary, report);
    if (dry_run_) {
      for (const sync::SyncAction& act : report.plan.actions) {
        events_out_.Write(sync::ActionEvent(act, nullptr));
      }
    }
    events_out_.Write(sync::SyncCompletedEvent(true, "", summary, code));
    ProgressEvent e;
    e.kind = ProgressEvent::Kind::kFinish;
    e.summary = ProgressSummary{summary.created, summary.updated, summary.deleted,
                                summary.bytes,   summary.failed,  code};
    bar_->OnEvent(e);
    bar_.reset();  // finish the bar before printing
    if (global_.json) {
      nlohmann::ordered_json j = {{"ok", true}, {"a", id_a}, {"b", id_b}};
      const nlohmann::ordered_json counts = sync::SyncSummaryToJson(summary);
      for (const auto& item : counts.items()) j[item.key()] = item.value();
      j["exit_status"] = code;
      if (dry_run_) {
        j["plan"] = sync::PlanFileToJson({id_a, id_b, started_at_ns_, report.plan});
      }
      std::printf("%s\n",
                  j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
      return code;
    }
    if (dry_run_) std::fputs(sync::FormatPlanText(report.plan).c_str(), report_out_);
    // Failed and changed actions were reported by the progress sink as they happened.
    if (report.executed) {
      for (const sync::Conflict& c : report.plan.conflicts) {
        if (!c.winner) {
          std::fprintf(report_out_, "conflict %s: %s\n", c.path.c_str(), c.note.c_str());
        }
      }
    }
    if (global_.verbosity >= 0 || code != 0) {
      std::fputs(sync::FormatSyncSummary(summary).c_str(), report_out_);
    }
    return code;
  }

  int RunSync() {
    if (args_.size() != 2) {
      return Usage(Status::InvalidArgument(
          "ferry sync needs two replicas: ferry sync A B (or ferry sync apply PLAN_FILE)"));
    }
    sync::SyncOptions o;
    Result<sync::Direction> direction = sync::ParseDirection(direction_);
    if (!direction.ok()) return Usage(direction.status().WithContext("--direction"));
    o.reconcile.direction = *direction;
    Result<sync::ConflictPolicy> policy = sync::ParseConflictPolicy(conflict_);
    if (!policy.ok()) return Usage(policy.status().WithContext("--conflict"));
    o.reconcile.policy = *policy;
    o.reconcile.delete_orphans = delete_orphans_;
    Result<sync::DeleteLimit> limit = sync::ParseDeleteLimit(max_delete_);
    if (!limit.ok()) return Usage(limit.status().WithContext("--max-delete"));
    o.max_delete = *limit;
    o.force = force_;
    o.dry_run = dry_run_;
    sync::ExcludeRules rules;
    if (Status s = PrepareCommon(&rules); !s.ok()) return Usage(s);
    o.state_dir = state_dir_;
    Result<std::unique_ptr<sync::Replica>> a = Open(args_[0], rules);
    if (!a.ok()) return Usage(a.status());
    Result<std::unique_ptr<sync::Replica>> b = Open(args_[1], rules);
    if (!b.ok()) return Usage(b.status());
    const std::string id_a = (*a)->id(), id_b = (*b)->id();
    if (id_a == id_b) {
      return Usage(Status::InvalidArgument("ferry sync " + args_[0] + " " + args_[1] +
                                           ": both name " + id_a + " (pass two replicas)"));
    }
    Env* env = Env::Default();
    started_at_ns_ = env->NowUnixNanos();
    o.reconcile.started_at_ns = started_at_ns_;
    o.execute = MakeExecuteOptions();
    o.on_plan = [this](const sync::SyncPlan& plan) { OnPlan(plan); };
    StartProgress("sync", id_a, id_b, sync::DirectionName(*direction));

    Result<sync::SyncReport> report = sync::RunSync(env, a->get(), b->get(), o);
    if (!report.ok()) return Fail(report.status(), ExitCodeFor(report.status()));
    if (!plan_out_.empty()) {
      std::string text =
          sync::PlanFileToJson({id_a, id_b, started_at_ns_, report->plan})
              .dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) +
          "\n";
      if (Status s = WriteFileAtomically(env, plan_out_, text); !s.ok()) {
        return Fail(s.WithContext("--plan-out " + plan_out_ + " (pass a writable path)"),
                    kExitUsage);
      }
    }
    return Finish(*report, id_a, id_b);
  }

  int RunApply(const std::string& plan_path) {
    if (dry_run_ || !plan_out_.empty() || !excludes_.empty() || force_ || delete_orphans_ ||
        direction_ != "both" || conflict_ != "newer" || max_delete_ != "50%") {
      return Usage(Status::InvalidArgument(
          "ferry sync apply takes only --events, --state-dir, --backup-dir and --json: the "
          "plan already says what to do (make a new plan to change it)"));
    }
    Env* env = Env::Default();
    Result<std::string> text = ReadFileToString(env, plan_path, kMaxPlanFileBytes);
    if (!text.ok()) {
      return Usage(text.status().WithContext("ferry sync apply " + plan_path +
                                             " (pass a file written by ferry sync --plan-out)"));
    }
    Result<sync::PlanFile> file = sync::ParsePlanFile(*text, plan_path);
    if (!file.ok()) return Usage(file.status());
    sync::ExcludeRules rules;
    if (Status s = PrepareCommon(&rules); !s.ok()) return Usage(s);
    Result<std::unique_ptr<sync::Replica>> a = Open(file->id_a, rules);
    if (!a.ok()) return Usage(a.status());
    Result<std::unique_ptr<sync::Replica>> b = Open(file->id_b, rules);
    if (!b.ok()) return Usage(b.status());
    started_at_ns_ = file->started_at_ns;
    StartProgress("apply", file->id_a, file->id_b, "plan");
    OnPlan(file->plan);
    sync::ApplyOptions o{state_dir_, MakeExecuteOptions()};
    Result<sync::SyncReport> report = sync::ApplySavedPlan(env, a->get(), b->get(), *file, o);
    if (!report.ok()) return Fail(report.status(), ExitCodeFor(report.status()));
    return Finish(*report, file->id_a, file->id_b);
  }

  GlobalOptions global_;
  std::vector<std::string> args_;
  std::string direction_ = "both";
  std::string conflict_ = "newer";
  bool delete_orphans_ = false;
  bool dry_run_ = false;
  std::string plan_out_;
  std::string events_;
  std::vector<std::string> excludes_;
  std::string max_delete_ = "50%";
  bool force_ = false;
  std::string state_dir_;
  std::string backup_dir_;

  EventsFile events_out_;
  std::FILE* report_out_ = stdout;
  std::unique_ptr<ProgressSink> bar_;
  int64_t started_at_ns_ = 0;
};

}  // namespace

std::unique_ptr<Command> NewSyncCommand() { return std::make_unique<SyncCommand>(); }

}  // namespace ferry::cli
