#include "base/parallel_hash.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>

#include "base/thread_pool.h"

namespace ferry {

void ParallelHashFiles(Env* env, const std::vector<HashJob>& jobs, size_t threads,
                       const std::function<void(size_t index, Result<std::string> digest)>&
                           on_result) {
  if (jobs.empty()) return;
  threads = std::clamp<size_t>(threads, 1, jobs.size());

  std::mutex mu;
  std::condition_variable ready_cv;
  std::vector<std::optional<Result<std::string>>> results(jobs.size());
  std::atomic<size_t> next_job{0};

  // Workers claim the next unclaimed index rather than a fixed share, so one huge file does
  // not leave other threads idle, and the claimed set is always a prefix of the list: the
  // caller's next result is never waiting behind a file nobody has started.
  ThreadPool pool(threads);
  for (size_t t = 0; t < threads; ++t) {
    pool.Schedule([&] {
      while (true) {
        size_t i = next_job.fetch_add(1);
        if (i >= jobs.size()) return;
        Result<std::string> digest = HashFile(env, jobs[i].path, jobs[i].algo);
        {
          std::lock_guard<std::mutex> lock(mu);
          results[i].emplace(std::move(digest));
        }
        ready_cv.notify_all();
      }
    });
  }

  for (size_t i = 0; i < jobs.size(); ++i) {
    std::optional<Result<std::string>> digest;
    {
      std::unique_lock<std::mutex> lock(mu);
      ready_cv.wait(lock, [&] { return results[i].has_value(); });
      digest = std::move(results[i]);
      results[i].reset();
    }
    on_result(i, std::move(*digest));
  }
  pool.Wait();
}

}  // namespace ferry
