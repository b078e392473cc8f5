// `ferry pull`: make a workspace match a catalog server's manifest (src/pull/pull_engine.h).
//
//   ferry pull --server URL [--token T] [--workspace DIR] [--jobs N] [--link ORDER]
//              [--cacert FILE] [--dry-run] [--wait] [--events FILE|-] [--json]
//
// --cacert (else $FERRY_CA_BUNDLE) names a PEM file of CA certificates that an https://
// server (a `ferry serve --tls-cert`, or a proxy in front of one) is verified against
// instead of the system's store, as with curl --cacert (src/cli/ca_bundle.h).
//
// --events writes the JSON-lines event stream of docs/EVENTS.md to FILE (truncated) or, with
// "-", to stdout; the terminal bar or progress lines still go to stderr. With "--events -" the
// human report (or --dry-run's plan) goes to stderr so that stdout holds only events, and
// --json is refused (both would write stdout). The last event is always "finish", with the
// report's counts and the exit status, also when the pull fails as a whole.
//
// Token: --token, else $FERRY_TOKEN, else <workspace>/.ferry/token, else
// ~/.config/ferry/token (src/pull/token.h); with none, the request goes without one, as
// `ferry stack`'s does, and the server answers (a 401: exit 3). Exit codes: 0 everything
// synced; 1 some entries failed (the rest synced) or the audit left violations; 2 bad
// arguments or a malformed manifest; 3 server unreachable, not a catalog server, or token
// refused or missing; 5 workspace locked by another process.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "cli/ca_bundle.h"
#include "cli/command.h"
#include "cli/events_file.h"
#include "cli/exit_codes.h"
#include "ferry/env.h"
#include "ferry/http_client.h"
#include "ferry/progress.h"
#include "ferry/version.h"
#include "pull/pull_engine.h"
#include "pull/pull_events.h"
#include "pull/token.h"
#include "store/sync_state.h"

namespace ferry::cli {
namespace {

std::string AbsoluteDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(dir.empty() ? "." : dir, ec);
  if (ec) return dir;
  std::string s = p.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

const char* GetEnvOrEmpty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

class PullCommand : public Command {
 public:
  void Configure(CLI::App* app) override {
    app->add_option("--server", server_, "Catalog server URL, e.g. http://catalog:8080")
        ->required();
    app->add_option("--token", token_,
                    "Bearer token (default: $FERRY_TOKEN, <workspace>/.ferry/token, "
                    "~/.config/ferry/token)");
    app->add_option("--workspace", workspace_, "Workspace directory (default: current)");
    app->add_option("--jobs", jobs_,
                    "Downloads at once, fixed (default: ferry finds the level itself, up to 64 "
                    "per server; local work runs 4 at a time)")
        ->check(CLI::Range(1, 64));
    app->add_option("--link", link_,
                    "Link strategies in order of preference (reflink,symlink,hardlink,copy)");
    app->add_option("--cacert", cacert_,
                    "PEM file of CA certificates to verify an https:// server against, instead "
                    "of the system's (default: $FERRY_CA_BUNDLE)");
    app->add_flag("--dry-run", dry_run_, "Print the plan and change nothing");
    app->add_flag("--wait", wait_, "Wait for another ferry process holding the workspace");
    app->add_option("--events", events_,
                    "Write JSON-lines events (docs/EVENTS.md) to FILE, or to stdout with - "
                    "(the report then goes to stderr)");
    app->footer(
        "Token: --token, else $FERRY_TOKEN, else <workspace>/.ferry/token, else "
        "~/.config/ferry/token; with none the request goes without one and the server "
        "answers (ferry serve: 401, exit 3), as for ferry stack.\n"
        "HTTPS: the server is verified against --cacert FILE, else $FERRY_CA_BUNDLE, else the "
        "system's CA store; HTTP/2 is used where the server offers it, and then one "
        "connection carries all of a pull's downloads.\n"
        "Exit codes: 0 everything synced; 1 some entries failed (the rest synced) or "
        "the audit left violations; 2 bad arguments or a malformed manifest; 3 server "
        "unreachable, not a catalog server, or token refused or missing; 5 workspace "
        "locked by another process.\n");
  }

  int Run(const GlobalOptions& global) override {
    const bool events_on_stdout = events_ == "-";
    if (events_on_stdout && global.json) {
      return ReportFailure(global,
                           Status::InvalidArgument("--events - and --json both write to stdout; "
                                                   "pass --events FILE with --json"),
                           kExitUsage);
    }
    EventsFile events_out;
    if (!events_.empty()) {
      if (Status opened = events_out.Open(events_); !opened.ok()) {
        return ReportFailure(global, opened, kExitUsage);
      }
    }
    pull::PullOptions o;
    o.workspace = AbsoluteDir(workspace_);
    o.server_url = server_;
    // No --jobs: the downloads find their own level; local work keeps the default of 4.
    o.jobs = jobs_.value_or(4);
    o.adaptive_downloads = !jobs_.has_value();
    o.dry_run = dry_run_;
    o.wait_for_lock = wait_;
    Result<std::vector<LinkStrategy>> order = ParseLinkOrder(link_);
    if (!order.ok()) return ReportFailure(global, order.status().WithContext("--link"));
    o.link_order = *order;
    Env* env = Env::Default();
    Result<std::string> token = pull::ResolveToken(
        env, {token_, GetEnvOrEmpty("FERRY_TOKEN"), o.workspace, GetEnvOrEmpty("HOME")});
    if (!token.ok()) return ReportFailure(global, token.status());
    o.token = *token;

    // The person's progress on stderr, and the events (when asked for) beside it.
    std::unique_ptr<ProgressSink> human = (global.json || global.verbosity < 0)
                                              ? NewSilentProgressSink()
                                              : NewAutoProgressSink(stderr);
    std::unique_ptr<ProgressSink> events = events_out.file() != nullptr
                                               ? NewJsonLinesProgressSink(events_out.file())
                                               : NewSilentProgressSink();
    ProgressSink* events_sink = events.get();
    std::vector<std::unique_ptr<ProgressSink>> both;
    both.push_back(std::move(human));
    both.push_back(std::move(events));
    std::unique_ptr<ProgressSink> progress = NewTeeProgressSink(std::move(both));
    o.progress = progress.get();
    Result<std::string> ca_bundle = ResolveCaBundle(env, cacert_);
    if (!ca_bundle.ok()) return ReportFailure(global, ca_bundle.status(), kExitUsage);
    HttpClientOptions http_options;
    http_options.user_agent = std::string("ferry/") + FERRY_VERSION;
    http_options.ca_bundle = *ca_bundle;
    std::unique_ptr<HttpClient> http = NewCurlHttpClient(http_options);
    Result<pull::PullOutcome> out = pull::RunPull(env, http.get(), o);
    if (!out.ok()) {
      // The bar is not "done"; only the event stream hears how it ended.
      const int code = ExitCodeFor(out.status());
      events_sink->OnEvent(Finish(false, out.status().message(), pull::SyncReport(), code));
      progress.reset();
      return ReportFailure(global, out.status(), code);
    }

    const pull::SyncReport& r = out->report;
    std::FILE* report_out = events_on_stdout ? stderr : stdout;
    if (dry_run_) {
      const int code = out->plan.entry_errors.empty() ? kExitOk : kExitPartial;
      events_sink->OnEvent(Finish(true, "", r, code));  // the bar never started
      progress.reset();
      if (global.json) {
        nlohmann::json j = {{"dry_run", true}, {"plan", pull::PlanToJson(out->plan)}};
        std::printf("%s\n", j.dump(2).c_str());
      } else {
        std::fputs(pull::FormatPlanText(out->plan).c_str(), report_out);
      }
      return code;
    }
    const int code =
        (r.total_errors() > 0 || !r.invariant_violations.empty()) ? kExitPartial : kExitOk;
    progress->OnEvent(Finish(true, "", r, code));
    progress.reset();  // finish the bar before printing the summary
    if (global.json) {
      std::printf("%s\n", pull::SyncReportToJson(r).dump(2).c_str());
    } else if (global.verbosity >= 0 || r.total_errors() > 0) {
      std::fputs(pull::FormatSyncReportText(r).c_str(), report_out);
    }
    return code;
  }

 private:
  std::string server_;
  std::string token_;
  std::string workspace_;
  std::optional<int> jobs_;  // unset: adaptive downloads
  std::string link_ = "reflink,symlink,hardlink,copy";
  std::string cacert_;  // "" = $FERRY_CA_BUNDLE, else the system's CA store
  bool dry_run_ = false;
  bool wait_ = false;
  std::string events_;  // "" = none, "-" = stdout, else a file

  static ProgressEvent Finish(bool ok, const std::string& message, const pull::SyncReport& r,
                              int exit_status) {
    ProgressEvent e;
    e.kind = ProgressEvent::Kind::kFinish;
    e.ok = ok;
    e.message = message;
    e.summary = pull::SummaryOf(r, exit_status);
    return e;
  }
};

}  // namespace

std::unique_ptr<Command> NewPullCommand() { return std::make_unique<PullCommand>(); }

}  // namespace ferry::cli
