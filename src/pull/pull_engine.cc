#include "pull/pull_engine.h"

#include <future>
#include <memory>
#include <optional>
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
#include "pull/cached_manifest.h"
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

// What the manifest request produced.
struct FetchedManifest {
  Manifest manifest;
  bool unchanged = false;  // a 304: `manifest` is the cached one
  std::string note;        // for the report ("" if nothing to say)
  // The answered request's time, sent to last byte (Env monotonic ns): the round trip that
  // sets where the downloads' concurrency starts (InitialRequestsForRoundTrip).
  int64_t round_trip_ns = 0;
};

// The pull's one concurrency mechanism: starts `fn` on its own thread when `alongside`;
// otherwise runs it here and now, so that with --jobs 1 every step keeps its place in one
// fixed order (the crash tests count steps). Every task is joined (get()) by the phase that
// started it or by the one after, on every path: no Status of a task is dropped.
template <typename Fn>
auto RunAlongside(bool alongside, Fn fn) {
  auto result = std::async(alongside ? std::launch::async : std::launch::deferred, std::move(fn));
  if (!alongside) result.wait();  // a deferred task runs inside wait()
  return result;
}

// The cached manifest for `url`, or nullopt (none, another server's, or damaged: then *note
// says why and the request goes out unconditional). Its body is not parsed here.
std::optional<CachedManifest> UsableCache(Env* env, const std::string& path, const std::string& url,
                                          bool* exists, std::string* note) {
  Result<CachedManifest> cached = LoadCachedManifest(env, path);
  *exists = cached.ok() || !cached.status().IsNotFound();
  if (!cached.ok()) {
    if (*exists) {
      *note = "ignored the manifest cache (" + cached.status().message() +
              "); fetched the whole manifest";
    }
    return std::nullopt;
  }
  if (cached->url != url) return std::nullopt;  // --server changed: another catalog
  return std::move(cached).value();
}

// GET the manifest, conditionally when a cached one with an ETag is there (If-None-Match), in
// whatever coding the server compresses it with. A 304 answers with the cached manifest; a 200
// with an ETag replaces the cache (not under --dry-run: it changes nothing). Either way the
// caller observes the workspace against the result: the cache is never trusted to describe
// the disk.
Result<FetchedManifest> FetchManifest(Env* env, HttpClient* http, const PullOptions& o,
                                      const BearerToken& auth, const std::string& cache_path) {
  FERRY_ASSIGN_OR_RETURN(std::string url, ManifestUrlFor(o.server_url));
  FetchedManifest out;
  bool cache_exists = false;
  std::optional<CachedManifest> cached =
      UsableCache(env, cache_path, url, &cache_exists, &out.note);
  // The cached body is parsed while the conditional request is out: over a long link the
  // round trips of a 304 hide the parse (~1 MB of JSON). With --jobs 1 it runs first, in
  // the fixed order the crash tests count.
  std::future<Result<Manifest>> cached_parse;
  if (cached) {
    cached_parse = RunAlongside(o.jobs > 1, [&] { return ParseManifest(cached->body, url); });
  }
  std::string body;
  std::string etag;
  auto request = [&](bool conditional) {
    return RetryWithBackoff(env, o.retry, [&](int) -> Status {
      HttpRequest req;
      req.url = url;
      req.headers = auth.HeadersFor(url);
      // Without it ferry serve announces partitioned tables as remote, for clients that cannot
      // download parts (PROTOCOL.md, "Older clients"); other servers ignore it.
      req.headers.emplace_back(std::string(kFeaturesHeader), std::string(kPullFeatures));
      if (conditional) req.headers.emplace_back("If-None-Match", cached->etag);
      req.accept_compressed = true;  // ~1 MB of JSON is ~10x smaller gzipped
      const int64_t sent_ns = env->NowMonotonicNanos();
      FERRY_ASSIGN_OR_RETURN(HttpResponse resp, SendAndCollect(http, req, kMaxManifestBytes));
      out.round_trip_ns = env->NowMonotonicNanos() - sent_ns;
      if (resp.status == 304 && conditional) {
        out.unchanged = true;
        return Status::OK();
      }
      FERRY_RETURN_IF_ERROR(StatusFromHttpResponse(resp, "GET", url));
      if (resp.status != 200) {
        return Status::InvalidArgument("GET " + url + ": unexpected HTTP " +
                                       std::to_string(resp.status) + " for the manifest");
      }
      body = std::move(resp.body);
      etag = resp.header("etag");
      return Status::OK();
    });
  };
  Status got = request(cached.has_value());
  if (got.ok() && out.unchanged) {
    Result<Manifest> parsed = cached_parse.get();
    if (parsed.ok()) {
      out.manifest = std::move(parsed).value();
      return out;
    }
    // A cache that reads but does not parse was not written by this ferry: ask again, whole.
    out.note = "ignored the manifest cache " + cache_path + " (" + parsed.status().message() +
               "); fetched the whole manifest";
    out.unchanged = false;
    got = request(/*conditional=*/false);
  }
  if (!got.ok()) {
    // A 401's message already says what to do (net/http_status.h), as it does for `ferry stack`.
    if (got.code() == StatusCode::kNotFound) {
      // A 404 for the manifest means --server is not a catalog server: unreachable, not usage.
      return Status::Unavailable(got.message() + " (is --server the catalog server?)", false);
    }
    return got;
  }
  FERRY_ASSIGN_OR_RETURN(out.manifest, ParseManifest(body, url));
  if (!o.dry_run && (!etag.empty() || cache_exists)) {
    Status saved = etag.empty() ? RemoveTree(env, cache_path)  // a stale tag is no use
                                : SaveCachedManifest(env, cache_path, {url, etag, body});
    if (!saved.ok()) {
      out.note = "could not update the manifest cache: " + saved.message() +
                 " (the next pull fetches the whole manifest)";
    }
  }
  return out;
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

// `first`, or when it is OK `second`; when both failed, `first` with `second` said after it
// (no failure is lost, the one that matters most is the code).
Status BothOf(Status first, const Status& second, std::string_view second_what) {
  if (first.ok()) return second;
  if (second.ok()) return first;
  return Status(
      first.code(),
      first.message() + "; " + std::string(second_what) + " also failed: " + second.message(),
      first.retryable());
}

// What the load phase produced.
struct PullInputs {
  Manifest manifest;
  SyncState previous;
  bool rebuilt = false;                   // the state was rebuilt from disk (it was corrupt)
  std::vector<std::string> anchor_fixes;  // entries re-anchored to this workspace (repairs)
  int64_t manifest_round_trip_ns = 0;     // FetchedManifest::round_trip_ns
};

// Phase 1, load. Assumes: the workspace lock is held (or --dry-run). Guarantees: the manifest is
// fetched and parsed and the previous state is loaded (or rebuilt from disk) and anchored to
// this workspace (the fixes listed in anchor_fixes); nothing on disk changed; notes are in
// *report. A
// manifest error wins over a state error: it is what the user must fix first.
Result<PullInputs> LoadInputs(Env* env, HttpClient* http, const PullOptions& o,
                              const BearerToken& auth, const WorkspaceLayout& layout,
                              DigestCache* cache, SyncReport* report) {
  // The manifest comes over the network while the workspace's own records are read: with
  // --jobs 1 one after the other (the crash tests count steps in a fixed order).
  std::future<Result<FetchedManifest>> fetched = RunAlongside(
      o.jobs > 1, [&] { return FetchManifest(env, http, o, auth, CachedManifestPath(layout)); });
  PullInputs in;
  Status cache_loaded = cache->Load();
  std::vector<std::string> notes;
  AnchorOutcome anchored;
  Result<SyncState> loaded =
      cache_loaded.ok() ? LoadOrRebuildState(env, layout, cache, &in.rebuilt, &notes, &anchored)
                        : Result<SyncState>(cache_loaded);
  FERRY_ASSIGN_OR_RETURN(FetchedManifest got, fetched.get());
  in.manifest = std::move(got.manifest);
  in.manifest_round_trip_ns = got.round_trip_ns;
  report->manifest_unchanged = got.unchanged;
  if (!got.note.empty()) report->notes.push_back(std::move(got.note));
  FERRY_ASSIGN_OR_RETURN(in.previous, std::move(loaded));
  if (!cache->load_warning().empty()) report->notes.push_back(cache->load_warning());
  for (std::string& n : notes) report->notes.push_back(std::move(n));
  in.anchor_fixes = std::move(anchored.problems);
  if (!anchored.moved_from.empty()) {
    report->notes.push_back("sync_state.json was written in " + anchored.moved_from +
                            " (a copied or moved workspace): its entries are taken as this "
                            "workspace's, and nothing under " +
                            anchored.moved_from + " is touched");
  }
  return in;
}

// Phase 2a, the recovery repairs (Plan::repairs): the debris of an interrupted run (an
// interrupted canonical swap, temps, trash) and the state entries LoadInputs re-anchored
// (moved from in->anchor_fixes). Reads only.
Result<std::vector<RepairAction>> FindRecoveryRepairs(Env* env, const WorkspaceLayout& layout,
                                                      PullInputs* in) {
  FERRY_ASSIGN_OR_RETURN(std::vector<RepairAction> repairs,
                         FindInterruptedRunDebris(env, layout, /*check_trash=*/true));
  for (std::string& fix : in->anchor_fixes) {
    RepairAction r;
    r.kind = RepairKind::kReanchor;
    r.finding = std::move(fix);
    repairs.push_back(std::move(r));
  }
  in->anchor_fixes.clear();
  return repairs;
}

// Phase 2b, recovery. Assumes the lock is held. Guarantees: every repair is made and reported
// as healed, before anything looks at the store (an interrupted canonical swap is completed or
// undone). A repair that fails stops the pull: planning over a half-swapped store could lose
// the only copy of a canonical.
Status Recover(Env* env, const std::vector<RepairAction>& repairs, PullInputs* in, Linker* linker,
               DigestCache* cache, SyncReport* report) {
  HealOutcome outcome = HealWorkspace(env, repairs, &in->previous, linker, cache);
  for (std::string& h : outcome.healed) report->healed.push_back(std::move(h));
  // The first failure stops the pull with its own code (an injected crash stays kCancelled);
  // the others are in the message, not dropped.
  Status failed = outcome.first_failure;
  for (size_t i = 1; i < outcome.failed.size(); ++i) {
    failed = BothOf(failed, Status::IoError(outcome.failed[i]), "another repair");
  }
  return failed;
}

// Phase 3, observe + plan. Assumes: interrupted installs are recovered (or --dry-run).
// Guarantees: reads only; the plan and the kPlan progress event.
Result<Plan> ObserveAndPlan(Env* env, const WorkspaceLayout& layout, const PullOptions& o,
                            const PullInputs& in, Linker* linker, DigestCache* cache) {
  FERRY_ASSIGN_OR_RETURN(Observations seen, ObserveWorkspace(env, layout, in.manifest, in.previous,
                                                             linker, cache, o.jobs));
  Plan plan = MakePlan(in.manifest, in.previous, seen, layout, o.link_order.front());
  if (o.progress) {
    ProgressEvent e;
    e.kind = ProgressEvent::Kind::kPlan;
    e.files_total = plan.fetches.size();
    for (const FetchAction& f : plan.fetches) e.bytes_total += f.size_bytes;
    o.progress->OnEvent(e);
  }
  return plan;
}

// Phase 4, execute (executor.h). Assumes: the lock is held. Guarantees: the plan is applied
// and *next is the state to record. With --jobs > 1 the final record's write and fsync (2 MB
// for 6,000 references) is left running in *record, to overlap views.sql and the audit, which
// only read the disk until they heal; the caller joins it (FinishWorkspace). With --jobs 1 it
// is written inline (crash-test step order) and *record holds its result.
// `manifest_round_trip_ns` sets where the adaptive downloads start (InitialRequestsForRoundTrip).
Status ExecuteAndRecord(Env* env, HttpClient* http, const WorkspaceLayout& layout,
                        const PullOptions& o, const BearerToken& auth, const Plan& plan,
                        const SyncState& previous, int64_t manifest_round_trip_ns, Linker* linker,
                        DigestCache* cache, PathViewSet* verified, SyncState* next,
                        std::future<Status>* record, SyncReport* report) {
  DownloadOptions dl;
  dl.jobs = o.jobs;
  dl.adaptive = o.adaptive_downloads;
  dl.initial = InitialRequestsForRoundTrip(manifest_round_trip_ns, dl.cap);
  dl.retry = o.retry;
  dl.token = auth;
  dl.progress = o.progress;
  Downloader downloader(env, http, layout, cache, dl);

  ExecutorDeps deps;
  deps.env = env;
  deps.layout = &layout;
  deps.linker = linker;
  deps.cache = cache;
  deps.downloader = &downloader;
  deps.jobs = o.jobs;
  deps.progress = o.progress;
  deps.write_bundle = [&](const BundleAction& b) {
    return FetchBundle(env, http, o.retry, auth, b);
  };
  deps.verified_refs = verified;
  deps.save_record = [&](const SyncState& state) -> Status {
    *record =
        RunAlongside(o.jobs > 1, [env, path = layout.state_path(), text = SyncStateText(state)] {
          return WriteFileAtomically(env, path, text, 0644);
        });
    if (o.jobs > 1) return Status::OK();
    return record->get();  // inline: a failed record stops the pull here
  };
  Status applied = ExecutePlan(plan, previous, deps, next, report);
  report->bytes_downloaded = downloader.bytes_downloaded();
  return applied;
}

// The audit of phase 5: detection, then healing of what it found, over *next. Assumes: the
// lock is held and nothing else writes the workspace's data/ and memory/ meanwhile (the record
// write and the trash only touch sync_state.json and .ferry/trash/). Guarantees: every
// finding is in the report, healed or as a violation (a heal that failed says why);
// *state_changed when *next was changed.
Status AuditAndHeal(Env* env, const WorkspaceLayout& layout, const PathViewSet& verified,
                    bool rebuilt, SyncState* next, Linker* linker, DigestCache* cache,
                    bool* state_changed, SyncReport* report) {
  FERRY_ASSIGN_OR_RETURN(AuditFindings found,
                         AuditWorkspace(env, layout, *next, linker, cache,
                                        AuditHints{&verified, /*walk_only_if_needed=*/!rebuilt,
                                                   /*check_trash=*/false,
                                                   /*check_debris=*/false}));
  HealOutcome healed = HealWorkspace(env, found.repairs, next, linker, cache);
  *state_changed = healed.state_changed;
  for (std::string& v : found.violations) report->invariant_violations.push_back(std::move(v));
  for (std::string& v : healed.failed) report->invariant_violations.push_back(std::move(v));
  for (std::string& h : healed.healed) report->healed.push_back(std::move(h));
  for (std::string& n : found.notes) report->notes.push_back(std::move(n));
  return Status::OK();
}

// Phase 5, finish. Assumes: ExecutePlan succeeded; *record holds the final record's write
// (maybe still running). Guarantees: the trash is emptied, stale partials are gone, views.sql
// and the audit have run, the record write is joined, and the state is saved again when the
// audit healed it. Whatever fails, every task started is joined and every failure is either
// returned (the record, the audit, a re-save: combined, none dropped) or a note in the report
// (views.sql, the trash).
Status FinishWorkspace(Env* env, const WorkspaceLayout& layout, const PullOptions& o,
                       const Plan& plan, const PathViewSet& verified, bool rebuilt,
                       std::future<Status>* record, SyncState* next, Linker* linker,
                       DigestCache* cache, SyncReport* report) {
  // Canonicals that left the store sit in .ferry/trash/; their blocks are freed while
  // views.sql and the audit run (the audit never looks there), and the pull does not report
  // before the trash is empty: what left the stack has left the disk.
  std::future<Status> trash = RunAlongside(
      o.jobs > 1, [&] { return EmptyTrash(env, layout, o.jobs > 1 ? kParallelUnlinks : 1); });

  // Partials worth keeping: those of this run's fetches (an installed one was renamed away;
  // a failed one is resumed next time). Everything else is a stale version.
  PathSet keep;
  for (const FetchAction& f : plan.fetches) keep.insert(Downloader::PartialPathFor(layout, f));
  CleanPartials(env, layout, plan, keep);

  Status views = WriteViewsSqlIfChanged(env, layout, *next);
  if (!views.ok()) report->notes.push_back("could not write views.sql: " + views.message());

  bool state_changed = false;
  Status audited =
      AuditAndHeal(env, layout, verified, rebuilt, next, linker, cache, &state_changed, report);
  Status recorded = record->valid() ? record->get() : Status::OK();
  Status done = BothOf(recorded, audited, "the audit");
  if (done.ok() && state_changed) {
    done = SaveSyncState(env, layout.state_path(), *next);
    if (done.ok()) {
      Status v = WriteViewsSqlIfChanged(env, layout, *next);
      if (!v.ok()) report->notes.push_back("could not write views.sql: " + v.message());
    }
  }
  for (const std::string& n : linker->drop_notes()) report->notes.push_back(n);
  if (Status emptied = trash.get(); !emptied.ok()) {
    report->notes.push_back("could not empty " + layout.trash_dir() + ": " + emptied.message() +
                            " (the next pull tries again)");
  }
  return done;
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

  DigestCache cache(env, layout.digests_path());
  FERRY_ASSIGN_OR_RETURN(PullInputs in,
                         LoadInputs(env, http, o, auth, layout, &cache, &out.report));

  Linker linker(env, o.link_order);
  FERRY_ASSIGN_OR_RETURN(std::vector<RepairAction> repairs, FindRecoveryRepairs(env, layout, &in));
  if (!o.dry_run) {
    FERRY_RETURN_IF_ERROR(Recover(env, repairs, &in, &linker, &cache, &out.report));
  }
  FERRY_ASSIGN_OR_RETURN(out.plan, ObserveAndPlan(env, layout, o, in, &linker, &cache));
  out.plan.repairs = std::move(repairs);
  if (o.dry_run) {
    out.report.bytes_hashed = cache.bytes_hashed();
    out.report.duration_s = (env->NowMonotonicNanos() - start_ns) / 1e9;
    return out;
  }

  PathViewSet verified;  // views into out.plan, which outlives the audit
  std::future<Status> record;
  SyncState next;
  Status applied =
      ExecuteAndRecord(env, http, layout, o, auth, out.plan, in.previous, in.manifest_round_trip_ns,
                       &linker, &cache, &verified, &next, &record, &out.report);
  if (!applied.ok()) {
    // ExecutePlan saves the record last, so no record write is running here.
    IgnoreError(cache.Save(), "the digest cache is only an optimisation");
    return applied;
  }
  Status finished = FinishWorkspace(env, layout, o, out.plan, verified, in.rebuilt, &record, &next,
                                    &linker, &cache, &out.report);
  IgnoreError(cache.Save(), "the digest cache is only an optimisation");
  FERRY_RETURN_IF_ERROR(finished);
  out.report.bytes_hashed = cache.bytes_hashed();
  out.report.duration_s = (env->NowMonotonicNanos() - start_ns) / 1e9;
  EmitReportWarnings(o.progress, out.report);  // kFinish is the caller's (pull_engine.h)
  return out;
}

}  // namespace ferry::pull
