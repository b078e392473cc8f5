// Downloader: fetches canonical tables into the shared store over one shared HttpClient
// (whose connections are kept alive between requests and reused across tables).
//
// How many at a time: a ConcurrencyGate (net/concurrency_gate.h) admits each table. With
// `adaptive` its controller finds the level itself (slow start from `initial`, which is also
// its floor: kInitialRequestsInFlight, more over a long round trip; up while throughput follows,
// down when it stops or the server answers 429/503, never past `cap`; docs/DESIGN.md); without,
// exactly `jobs` run at once. The worker threads are `cap` (adaptive) or `jobs`; the client opens a
// connection only when a request finds none idle, so connections to the server never outnumber the
// most tables in flight at once. A 429/503 is reported to the gate as soon as it arrives, and every
// retry first waits out the pause its Retry-After set (adaptive only: a fixed --jobs keeps the
// retry policy's backoff alone).
//
// For each FetchAction:
// - Bytes stream into <root>/.ferry/partial/<id>.<md5>.part (a partitioned table: each part
//   into <root>/.ferry/partial/<id>.<md5>.parts/<part path>), through the Env's buffered
//   writer; the MD5 is computed as they stream. Memory stays bounded by the client's and the
//   writer's buffers, whatever the file size.
// - A partial left by an interrupted run is resumed with `Range: bytes=<size>-`: its prefix is
//   hashed once to seed the MD5, then 206 bytes are appended; a 200 to the Range request means
//   the server starts over (the partial is truncated); 416 means the partial is already
//   complete (it is verified as is). With no md5 in the manifest nothing identifies the
//   version a partial belongs to, so such a partial is discarded, never resumed.
// - Disk space is checked before a table's first byte (DiskBudget): when the filesystem cannot
//   hold its announced bytes plus kFreeSpaceMargin, the table fails with kNoSpace, nothing is
//   written and its partial (if any) is removed. Such a table sends no progress events: the
//   pull's report sums these failures up in one line (report.h DiskErrorSummaries).
// - A body never grows a partial past the manifest's size_bytes (per part for a partitioned
//   table): the transfer is cut at the first byte beyond it, the partial is discarded and the
//   attempt counts as a mismatch. With no size_bytes the cap is what DiskBudget could spare.
//   So a server that announces 10 bytes and streams forever costs 10 bytes of disk, not all.
// - A disk error mid-download (kNoSpace, kPermissionDenied from the Env: ENOSPC, EDQUOT,
//   EACCES, EPERM, EROFS) removes that table's partial, and no further download starts: the
//   ones not yet started fail with the same code, "not attempted" (the disk refused one, it
//   would refuse the next). Only the first such error reaches the progress sink; the report
//   sums them all up in one line.
// - Verification: the md5 (and size_bytes when the manifest gives it), or with no md5 the
//   parquet magic `PAR1` at both ends. A mismatch deletes the partial and downloads again, up
//   to `verify_attempts` times in all; then the table fails with kCorruption and nothing in the
//   store changes (the previous canonical and its references stay; the seed deleted them).
// - Transport errors and 5xx are retried with RetryWithBackoff (resuming each time); 401/403
//   are final, and once one is seen no further download starts (the token is refused for all).
//   Redirects are refused (the client never follows them; a 3xx is an error naming Location).
// - The bearer token goes only to the server's origin (net/bearer_token.h): an absolute
//   parquet_url on an object store or CDN is fetched without it.
// - Only then InstallCanonical (atomic rename, 0444) and DigestCache::Record, so the file is
//   never hashed again while unchanged.
//
// Thread-safety: FetchAll is called from one thread; it runs downloads on its own threads.
#ifndef FERRY_PULL_DOWNLOADER_H_
#define FERRY_PULL_DOWNLOADER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ferry/env.h"
#include "ferry/http_client.h"
#include "ferry/progress.h"
#include "net/bearer_token.h"
#include "net/concurrency_gate.h"
#include "net/retry.h"
#include "pull/disk_budget.h"
#include "pull/plan.h"
#include "store/digest_cache.h"
#include "store/workspace_layout.h"

namespace ferry::pull {

struct DownloadOptions {
  int jobs = 4;           // tables in flight when !adaptive
  bool adaptive = false;  // the gate's controller chooses, up to `cap`
  int cap = kMaxRequestsPerServer;
  // Where the controller starts, and its floor (InitialRequestsForRoundTrip of the manifest's
  // round trip; the default for a LAN).
  int initial = kInitialRequestsInFlight;
  RetryPolicy retry;
  int verify_attempts = 3;  // the first download plus two retries on a mismatch
  BearerToken token;        // sent only to its origin
  uint64_t free_space_margin = kFreeSpaceMargin;
  ProgressSink* progress = nullptr;  // may be null
};

class Downloader {
 public:
  Downloader(Env* env, HttpClient* http, const WorkspaceLayout& layout, DigestCache* cache,
             DownloadOptions options);
  Downloader(const Downloader&) = delete;
  Downloader& operator=(const Downloader&) = delete;

  // Called once per fetch as soon as it is over (installed, or failed), on the worker that
  // ran it: `i` indexes the fetches, `s` is its result. May be empty.
  using FetchedCallback = std::function<void(size_t i, const Status& s)>;

  // Downloads, verifies and installs every fetch; result i is fetches[i]'s outcome. After a
  // kUnauthorized, fetches not yet started fail with kCancelled without a request. With
  // --jobs 1 there is one worker, so `on_fetched` runs each time before the next fetch starts.
  std::vector<Status> FetchAll(const std::vector<FetchAction>& fetches,
                               const FetchedCallback& on_fetched = {});

  // One fetch, on the calling thread. `network_done` (may be empty) is called once every byte
  // is in and verified, before the install, with the bytes the fetch moved; not at all when
  // it fails before that.
  Status Fetch(const FetchAction& fetch,
               const std::function<void(uint64_t bytes)>& network_done = {});

  uint64_t bytes_downloaded() const { return bytes_downloaded_.load(); }
  // The most tables that were ever in flight at once.
  int peak_in_flight() const { return gate_.peak_in_flight(); }

  // Where a fetch keeps its bytes in flight (file, or directory for a partitioned table).
  static std::string PartialPathFor(const WorkspaceLayout& layout, const FetchAction& fetch);

 private:
  // The first disk error of this run (OK when none).
  Status DiskFailure();
  // Records `s` as the disk error that stops further downloads; false when one already was.
  bool NoteDiskFailure(const Status& s);
  // Admits the fetch against the free space (the bytes its partials do not hold yet).
  Result<std::unique_ptr<DiskBudget::Ticket>> AdmitFetch(const FetchAction& fetch,
                                                         const std::string& partial);
  // Downloads `url` into `partial` (resuming), verifies; on success *md5_out is the digest of
  // the bytes now in `partial`. The partial never holds more than `size` bytes (or, when 0,
  // ticket->cap(): passing that fails with kNoSpace and sets *capped); each byte written is
  // reported to `ticket`, and to the progress sink as kBytes of `progress_item` (the name
  // kItemStart and kItemDone use).
  Status DownloadVerified(const std::string& label, const std::string& progress_item,
                          const std::string& url, const std::string& partial,
                          const std::string& md5, uint64_t size, DiskBudget::Ticket* ticket,
                          bool* capped, std::string* md5_out);

  // The steps of DownloadVerified (downloader.cc), over one file's Transfer:
  struct Transfer;
  // One attempt: ResumeOnce under the retry policy (transport errors and 5xx resume). OK when
  // the partial is complete as far as the server says; verification is the caller's.
  Status AttemptDownload(Transfer* t);
  // One request: resumes the partial from what it holds (Range), or notes it is complete.
  Status ResumeOnce(Transfer* t);
  // Brings t->digest to the bytes the partial holds (hashed once per resume); *have = size.
  Status SeedDigest(Transfer* t, uint64_t* have);
  // The partial the body of `resp` goes to: appended to for a matching 206, else replaced.
  Result<std::unique_ptr<WritableFile>> OpenPartialFor(const HttpResponse& resp, Transfer* t,
                                                       uint64_t have);
  // Writes one chunk of the body, unless it would pass t->limit (then a mismatch or kNoSpace).
  Status AppendChunk(Transfer* t, std::string_view chunk, WritableFile* out);

  Env* const env_;
  HttpClient* const http_;
  const WorkspaceLayout layout_;
  DigestCache* const cache_;
  const DownloadOptions options_;
  std::atomic<uint64_t> bytes_downloaded_{0};
  std::atomic<bool> refused_{false};
  DiskBudget budget_;
  ConcurrencyGate gate_;
  std::mutex disk_mu_;
  Status disk_failure_;  // guarded by disk_mu_: the first disk error; no download starts after
};

}  // namespace ferry::pull

#endif  // FERRY_PULL_DOWNLOADER_H_
