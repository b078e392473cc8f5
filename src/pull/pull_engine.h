// The `ferry pull` orchestrator: makes a workspace match a catalog server's manifest.
//
//   lock (LockWorkspace; --wait)          one pull per workspace; kBusy names the holder
//   load: fetch manifest (Bearer token)   capped at kMaxManifestBytes, retried on 5xx; a
//         + parse, alongside state        malformed manifest stops here: nothing changed;
//         (+ digest cache)                a corrupt state is rebuilt from disk. Conditional
//                                         and compressed: If-None-Match with the ETag of
//                                         .ferry/manifest.cache, whose body a 304 reuses
//                                         (cached_manifest.h); observe still checks it all
//   recovery                              Plan::repairs: debris of an interrupted run,
//                                         re-anchored entries (audit.h FindInterruptedRunDebris)
//   observe + plan                        --dry-run stops here and returns the plan
//   execute                               executor.h: downloads, links, drops, bundles, record
//   finish: trash, partials, views.sql,   the record write is joined on every path, and no
//           audit + heal (audit.h)        failure of it or of the audit is dropped
//   report
// Each phase is a named function in pull_engine.cc stating what it assumes and guarantees.
//
// Whole-pull failures are returned as a Status: kUnavailable (server unreachable / 5xx after
// retries), kUnauthorized (401/403), kInvalidArgument (malformed manifest), kBusy (workspace
// locked). Per-entry failures are in the report; the rest of the pull goes on.
//
// Thread-safety: RunPull may run concurrently for different workspaces.
#ifndef FERRY_PULL_PULL_ENGINE_H_
#define FERRY_PULL_PULL_ENGINE_H_

#include <optional>
#include <string>
#include <vector>

#include "ferry/env.h"
#include "ferry/http_client.h"
#include "ferry/progress.h"
#include "net/retry.h"
#include "pull/plan.h"
#include "pull/report.h"
#include "store/sync_state.h"

namespace ferry::pull {

struct PullOptions {
  std::string workspace;   // absolute
  std::string server_url;  // e.g. http://catalog:8080 (the manifest is <server>/api/sync/manifest)
  std::string token;       // "" = no Authorization header
  // Local parallelism (hashing, unlinks, work alongside) and, unless adaptive_downloads, the
  // number of tables downloaded at once.
  int jobs = 4;
  // Downloads in flight follow net/concurrency_controller.h (up to kMaxRequestsPerServer)
  // instead of `jobs`. `ferry pull` sets it unless --jobs is given.
  bool adaptive_downloads = false;
  std::vector<LinkStrategy> link_order = DefaultLinkOrder();
  bool dry_run = false;
  bool wait_for_lock = false;
  RetryPolicy retry;
  // May be null. Receives the events of pull_events.h, all but kFinish: the caller sends that
  // one (with SummaryOf), also when RunPull fails, as only it knows the exit status.
  ProgressSink* progress = nullptr;
};

struct PullOutcome {
  SyncReport report;
  Plan plan;  // what was planned (printed by --dry-run)
};

Result<PullOutcome> RunPull(Env* env, HttpClient* http, const PullOptions& options);

// <server>/api/sync/manifest.
Result<std::string> ManifestUrlFor(const std::string& server_url);

}  // namespace ferry::pull

#endif  // FERRY_PULL_PULL_ENGINE_H_
