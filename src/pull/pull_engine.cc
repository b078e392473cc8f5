#include "pull/pull_engine.h"

#include <future>
#include <memory>
#include <set>
#include <utility>

#include "base/confined_env.h"
#include "base/file_util.h"
#include "base/path.h"
#include "net/bearer_token.h"
#include "net/client_features.h"
#include "net/http_status.h"
#include "net/url.h"
#include "pull/audit.h"
#include "pull/bundles.h"
#include "pull/downloader.h"
#include "pull/executor.h"
#include "pull/manifest.h"
#include "pull/observe.h"
#include "pull/planner.h"
#include "pull/pull_events.h"
#include "pull/views_sql.h"
#include "store/content_store.h"
#include "store/digest_cache.h"
#include "store/linker.h"
#include "store/workspace_layout.h"
#include "store/workspace_lock.h"

namespace ferry::pull {
namespace {

Result<Manifest> FetchManifest(Env* env, HttpClient* http, const PullOptions& o,
                               const BearerToken& auth) {
  FERRY_ASSIGN_OR_RETURN(std::string url, ManifestUrlFor(o.server_url));
  std::string body;
  Status got = RetryWithBackoff(env, o.retry, [&](int) -> Status {
    HttpRequest req;
    req.url = url;
    req.headers = auth.HeadersFor(url);
    // Without it ferry serve announces partitioned tables as remote, for clients that cannot
    // download parts (PROTOCOL.md, "Older clients"); other servers ignore it.
    req.headers.emplace_back(std::string(kFeaturesHeader), std::string(kPullFeatures));
    FERRY_ASSIGN_OR_RETURN(HttpResponse resp, SendAndCollect(http, req, kMaxManifestBytes));
    FERRY_RETURN_IF_ERROR(StatusFromHttpResponse(resp, "GET", url));
    if (resp.status != 200) {
      return Status::InvalidArgument("GET " + url + ": unexpected HTTP " +
                                     std::to_string(resp.status) + " for the manifest");
    }
    body = std::move(resp.body);
    return Status::OK();
  });
  if (!got.ok()) {
    // A 401's message already says what to do (net/http_status.h), as it does for `ferry stack`.
    if (got.code() == StatusCode::kNotFound) {
      // A 404 for the manifest means --server is not a catalog server: unreachable, not usage.
      return Status::Unavailable(got.message() + " (is --server the catalog server?)", false);
    }
    return got;
  }
  return ParseManifest(body, url);
}

// Removes partial downloads that no fetch of this run will resume (a file that changed
// version, or a table that left the stack), keeping the ones of failed fetches.
void CleanPartials(Env* env, const WorkspaceLayout& layout, const Plan& plan, const PathSet& keep) {
  Result<std::vector<DirEntry>> entries = env->ListDir(layout.partial_dir());
  if (!entries.ok()) return;
  for (const DirEntry& e : *entries) {
    const std::string path = JoinPath(layout.partial_dir(), e.name);
    if (keep.count(path)) continue;
    IgnoreError(RemoveTree(env, path), "a stale partial only costs disk space");
  }
  (void)plan;
}

// Starts `fn` on its own thread when `alongside`; otherwise runs it here and now, so that with
// --jobs 1 every step keeps its place in one fixed order (the crash tests count steps).
template <typename Fn>
auto RunAlongside(bool alongside, Fn fn) {
  auto result = std::async(alongside ? std::launch::async : std::launch::deferred, std::move(fn));
  if (!alongside) result.wait();  // a deferred task runs inside wait()
  return result;
}

}  // namespace

Result<std::string> ManifestUrlFor(const std::string& server_url) {
  std::string base = server_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return ResolveUrl(base + "/", "api/sync/manifest");
}

Result<PullOutcome> RunPull(Env* base_env, HttpClient* http, const PullOptions& o) {
  const WorkspaceLayout layout(o.workspace);
  // Whatever the records say, nothing outside the workspace is created, changed or removed.
  ConfinedEnv confined(base_env, {layout.root()}, "the workspace");
  Env* env = &confined;
  const int64_t start_ns = env->NowMonotonicNanos();
  PullOutcome out;
  EmitStarted(o.progress, layout.root(), o.server_url);
  // The token is for --server's origin only (PROTOCOL.md "Authentication").
  FERRY_ASSIGN_OR_RETURN(const BearerToken auth, BearerToken::ForServer(o.token, o.server_url));

  std::unique_ptr<FileLock> lock;
  if (!o.dry_run) {
    FERRY_ASSIGN_OR_RETURN(lock, LockWorkspace(env, layout, "pull", o.wait_for_lock));
  }

  // The manifest comes over the network while the workspace's own records are read: with
  // --jobs 1 one after the other (the crash tests count steps in a fixed order).
  std::future<Result<Manifest>> fetched =
      RunAlongside(o.jobs > 1, [&] { return FetchManifest(env, http, o, auth); });

  DigestCache cache(env, layout.digests_path());
  Status cache_loaded = cache.Load();
  bool rebuilt = false;
  std::vector<std::string> notes;
  AnchorOutcome anchored;
  Result<SyncState> loaded =
      cache_loaded.ok() ? LoadOrRebuildState(env, layout, &cache, &rebuilt, &notes, &anchored)
                        : Result<SyncState>(cache_loaded);
  // A manifest error wins: it is what the user must fix first, and it was reported first
  // before the two ran side by side.
  FERRY_ASSIGN_OR_RETURN(Manifest manifest, fetched.get());
  FERRY_ASSIGN_OR_RETURN(SyncState previous, std::move(loaded));
  if (!cache.load_warning().empty()) out.report.notes.push_back(cache.load_warning());
  for (std::string& n : notes) out.report.notes.push_back(std::move(n));
  for (std::string& d : anchored.problems) out.report.healed.push_back(std::move(d));
  if (!anchored.moved_from.empty()) {
    out.report.notes.push_back("sync_state.json was written in " + anchored.moved_from +
                               " (a copied or moved workspace): its entries are taken as this "
                               "workspace's, and nothing under " +
                               anchored.moved_from + " is touched");
  }

  Linker linker(env, o.link_order);
  if (!o.dry_run) {
    FERRY_ASSIGN_OR_RETURN(std::vector<std::string> recovered,
                           RecoverInterruptedInstalls(env, layout));
    for (const std::string& p : recovered) {
      out.report.healed.push_back("interrupted install: " + p);
    }
  }

  FERRY_ASSIGN_OR_RETURN(Observations seen, ObserveWorkspace(env, layout, manifest, previous,
                                                             &linker, &cache, o.jobs));
  out.plan = MakePlan(manifest, previous, seen, layout, o.link_order.front());

  if (o.progress) {
    ProgressEvent e;
    e.kind = ProgressEvent::Kind::kPlan;
    e.files_total = out.plan.fetches.size();
    for (const FetchAction& f : out.plan.fetches) e.bytes_total += f.size_bytes;
    o.progress->OnEvent(e);
  }

  if (o.dry_run) {
    out.report.bytes_hashed = cache.bytes_hashed();
    out.report.duration_s = (env->NowMonotonicNanos() - start_ns) / 1e9;
    return out;
  }

  DownloadOptions dl;
  dl.jobs = o.jobs;
  dl.retry = o.retry;
  dl.token = auth;
  dl.progress = o.progress;
  Downloader downloader(env, http, layout, &cache, dl);

  ExecutorDeps deps;
  deps.env = env;
  deps.layout = &layout;
  deps.linker = &linker;
  deps.cache = &cache;
  deps.downloader = &downloader;
  deps.jobs = o.jobs;
  deps.progress = o.progress;
  deps.write_bundle = [&](const BundleAction& b) {
    return FetchBundle(env, http, o.retry, auth, b);
  };
  PathViewSet verified;  // views into out.plan, which outlives the audit
  deps.verified_refs = &verified;
  // The final record's write and fsync (2 MB for 6,000 references) overlap views.sql and the
  // audit, which only read the disk until they heal; the write is joined before any later
  // save and before the pull reports. With --jobs 1 it stays inline (crash-test step order).
  std::future<Status> record;
  if (o.jobs > 1) {
    deps.save_record = [&](const SyncState& state) {
      record = std::async(std::launch::async,
                          [env, path = layout.state_path(), text = SyncStateText(state)] {
                            return WriteFileAtomically(env, path, text, 0644);
                          });
      return Status::OK();
    };
  }
  auto record_written = [&]() -> Status { return record.valid() ? record.get() : Status::OK(); };
  SyncState next;
  Status applied = ExecutePlan(out.plan, previous, deps, &next, &out.report);
  out.report.bytes_downloaded = downloader.bytes_downloaded();
  if (!applied.ok()) {
    IgnoreError(cache.Save(), "the digest cache is only an optimisation");
    return applied;
  }
  // Canonicals that left the store sit in .ferry/trash/; their blocks are freed while
  // views.sql and the audit run (the audit never looks there), and the pull does not report
  // before the trash is empty: what left the stack has left the disk.
  std::future<Status> trash = RunAlongside(
      o.jobs > 1, [&] { return EmptyTrash(env, layout, o.jobs > 1 ? kParallelUnlinks : 1); });

  // Partials worth keeping: those of this run's fetches (an installed one was renamed away;
  // a failed one is resumed next time). Everything else is a stale version.
  PathSet keep;
  for (const FetchAction& f : out.plan.fetches) keep.insert(Downloader::PartialPathFor(layout, f));
  CleanPartials(env, layout, out.plan, keep);

  Status views = WriteViewsSqlIfChanged(env, layout, next);
  if (!views.ok()) out.report.notes.push_back("could not write views.sql: " + views.message());

  FERRY_ASSIGN_OR_RETURN(AuditFindings audit,
                         AuditWorkspace(env, layout, &next, &linker, &cache, /*heal=*/true,
                                        AuditHints{&verified, /*walk_only_if_needed=*/!rebuilt,
                                                   /*check_trash=*/false}));
  FERRY_RETURN_IF_ERROR(record_written());
  if (audit.state_changed) FERRY_RETURN_IF_ERROR(SaveSyncState(env, layout.state_path(), next));
  if (audit.state_changed) {
    Status v = WriteViewsSqlIfChanged(env, layout, next);
    if (!v.ok()) out.report.notes.push_back("could not write views.sql: " + v.message());
  }
  for (std::string& v : audit.violations) out.report.invariant_violations.push_back(std::move(v));
  for (std::string& h : audit.healed) out.report.healed.push_back(std::move(h));
  for (std::string& n : audit.notes) out.report.notes.push_back(std::move(n));
  for (const std::string& n : linker.drop_notes()) out.report.notes.push_back(n);

  if (Status emptied = trash.get(); !emptied.ok()) {
    out.report.notes.push_back("could not empty " + layout.trash_dir() + ": " + emptied.message() +
                               " (the next pull tries again)");
  }
  IgnoreError(cache.Save(), "the digest cache is only an optimisation");
  out.report.bytes_hashed = cache.bytes_hashed();
  out.report.duration_s = (env->NowMonotonicNanos() - start_ns) / 1e9;
  EmitReportWarnings(o.progress, out.report);  // kFinish is the caller's (pull_engine.h)
  return out;
}

}  // namespace ferry::pull
