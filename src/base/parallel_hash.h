// ParallelHashFiles: hash a list of files on a few threads and hand the digests back in list
// order, as soon as each one and all before it are known. This is how `ferry hash` prints
// sha256sum-identical output (argument order, then walk order) while using every core.
//
// Memory stays bounded by the thread count, not the list: each worker owns one read buffer
// (kHashBufferSize), workers claim files in list order, so at most `threads` files are in
// flight and the digests waiting to be delivered are a few short strings each.
//
// Thread-safety: `on_result` runs only on the calling thread, never concurrently with itself,
// so it may write to stdout without locking. `env` must be thread-safe (every Env is).
#ifndef FERRY_BASE_PARALLEL_HASH_H_
#define FERRY_BASE_PARALLEL_HASH_H_

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "base/hasher.h"
#include "ferry/env.h"
#include "ferry/status.h"

namespace ferry {

struct HashJob {
  std::string path;
  HashAlgorithm algo = HashAlgorithm::kSha256;
};

// Calls on_result(i, HashFile(env, jobs[i].path, jobs[i].algo)) for every i in increasing
// order, hashing on max(threads, 1) worker threads. Returns after the last call.
void ParallelHashFiles(Env* env, const std::vector<HashJob>& jobs, size_t threads,
                       const std::function<void(size_t index, Result<std::string> digest)>&
                           on_result);

}  // namespace ferry

#endif  // FERRY_BASE_PARALLEL_HASH_H_
