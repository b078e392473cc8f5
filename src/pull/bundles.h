// Memory bundles: memory/<slug>/bundle.md, one per memory domain in the stack
// (docs/PROTOCOL.md `GET /api/memory/bundle?domain=<slug>`).
//
// A bundle is small markdown: it is collected in memory (capped at kMaxBundleBytes), checked
// for an HTTP error, and written atomically (temp, fsync, rename), so bundle.md is always a
// whole bundle. Transport errors and 5xx are retried with backoff; 401/403 are final.
// Whether to fetch is the planner's decision (the manifest's token differs from the recorded
// one, or the file is missing).
//
// Thread-safety: a free function; as safe as its Env and HttpClient.
#ifndef FERRY_PULL_BUNDLES_H_
#define FERRY_PULL_BUNDLES_H_

#include <cstdint>
#include <string>

#include "ferry/env.h"
#include "ferry/http_client.h"
#include "net/bearer_token.h"
#include "net/retry.h"
#include "pull/plan.h"

namespace ferry::pull {

inline constexpr uint64_t kMaxBundleBytes = uint64_t{64} << 20;

Status FetchBundle(Env* env, HttpClient* http, const RetryPolicy& retry, const BearerToken& token,
                   const BundleAction& action);

}  // namespace ferry::pull

#endif  // FERRY_PULL_BUNDLES_H_
