// Verification of a `local` transport copy (a mounted NAS share): the same pass as over ssh
// (remote_verify.h), with the hashing done here through the Env. The copy's files (its cache
// dir excluded) are hashed once each on a few threads and compared with the run's own
// checksums.sha256: missing or different files fail the pass as a hash mismatch, extra files
// are reported. The local transport fsyncs every file and directory as it copies
// (local_transport.h), so a copy that verifies is already durable.
//
// ListLocalCopy is the listing the cleanup interlocks need (every regular file of the copy
// with its size).
//
// Thread-safety: free functions; `env` is thread-safe.
#ifndef FERRY_PUSH_LOCAL_VERIFY_H_
#define FERRY_PUSH_LOCAL_VERIFY_H_

#include <cstddef>
#include <string>
#include <vector>

#include "ferry/env.h"
#include "ferry/status.h"
#include "push/cleanup_interlocks.h"
#include "push/remote_attempt.h"
#include "push/remote_verify.h"

namespace ferry::push {

// One verify pass of `dest_dir` against <run_dir>/<cache_dir>/checksums.sha256. An error
// Status only for the run's own manifest (missing, unreadable, malformed) or a failure to read
// the copy; a copy dir that is gone fails the pass with every file missing.
Result<RemoteVerification> VerifyLocalCopy(Env* env, const std::string& run_dir,
                                           const std::string& dest_dir,
                                           const std::string& cache_dir, size_t threads);

// Every regular file below dest_dir (cache dir included) with its size; empty when dest_dir
// is gone.
Result<std::vector<RemoteFile>> ListLocalCopy(Env* env, const std::string& dest_dir);

}  // namespace ferry::push

#endif  // FERRY_PUSH_LOCAL_VERIFY_H_
