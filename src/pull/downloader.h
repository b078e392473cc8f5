// Downloader: fetches canonical tables into the shared store, `jobs` at a time, over one
// shared HttpClient (whose connections are kept alive between requests).
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
// - Verification: the md5 (and size_bytes when the manifest gives it), or with no md5 the
//   parquet magic `PAR1` at both ends. A mismatch deletes the partial and downloads again, up
//   to `verify_attempts` times in all; then the table fails with kCorruption and nothing in the
//   store changes (the previous canonical and its references stay; the seed deleted them).
// - Transport errors and 5xx are retried with RetryWithBackoff (resuming each time); 401/403
//   are final, and once one is seen no further download starts (the token is refused for all).
//   Redirects are refused (the client never follows them; a 3xx is an error naming Location).
// - Only then InstallCanonical (atomic rename, 0444) and DigestCache::Record, so the file is
//   never hashed again while unchanged.
//
// Thread-safety: FetchAll is called from one thread; it runs downloads on its own threads.
#ifndef FERRY_PULL_DOWNLOADER_H_
#define FERRY_PULL_DOWNLOADER_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "ferry/env.h"
#include "ferry/http_client.h"
#include "ferry/progress.h"
#include "net/retry.h"
#include "pull/plan.h"
#include "store/digest_cache.h"
#include "store/workspace_layout.h"

namespace ferry::pull {

struct DownloadOptions {
  int jobs = 4;
  RetryPolicy retry;
  int verify_attempts = 3;  // the first download plus two retries on a mismatch
  std::string token;        // sent as "Authorization: Bearer <token>" when non-empty
  ProgressSink* progress = nullptr;  // may be null
};

// The Authorization header list for `token` (empty when there is no token).
std::vector<std::pair<std::string, std::string>> AuthHeaders(const std::string& token);

class Downloader {
 public:
  Downloader(Env* env, HttpClient* http, const WorkspaceLayout& layout, DigestCache* cache,
             DownloadOptions options);
  Downloader(const Downloader&) = delete;
  Downloader& operator=(const Downloader&) = delete;

  // Downloads, verifies and installs every fetch; result i is fetches[i]'s outcome. After a
  // kUnauthorized, fetches not yet started fail with kCancelled without a request.
  std::vector<Status> FetchAll(const std::vector<FetchAction>& fetches);

  // One fetch, on the calling thread.
  Status Fetch(const FetchAction& fetch);

  uint64_t bytes_downloaded() const { return bytes_downloaded_.load(); }

  // Where a fetch keeps its bytes in flight (file, or directory for a partitioned table).
  static std::string PartialPathFor(const WorkspaceLayout& layout, const FetchAction& fetch);

 private:
  // Downloads `url` into `partial` (resuming), verifies; on success *md5_out is the digest of
  // the bytes now in `partial`.
  Status DownloadVerified(const std::string& label, const std::string& url,
                          const std::string& partial, const std::string& md5, uint64_t size,
                          std::string* md5_out);

  Env* const env_;
  HttpClient* const http_;
  const WorkspaceLayout layout_;
  DigestCache* const cache_;
  const DownloadOptions options_;
  std::atomic<uint64_t> bytes_downloaded_{0};
  std::atomic<bool> refused_{false};
};

}  // namespace ferry::pull

#endif  // FERRY_PULL_DOWNLOADER_H_
