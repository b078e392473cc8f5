#include "push/rsync_transport.h"

#include <algorithm>

#include "push/ssh_command.h"

namespace ferry::push {
namespace {

std::string WithTrailingSlash(const std::string& dir) {
  return dir.ends_with('/') ? dir : dir + "/";
}

}  // namespace

std::vector<std::string> RsyncPushArgv(const TransportConfig& transport,
                                       const RsyncPushRequest& request) {
  // No --fsync: the verify pass's `sync -f` on the NAS makes the whole copy durable at once
  // (rsync_transport.h), where --fsync paid one journal commit per file.
  std::vector<std::string> argv = {"rsync", "-a", "--mkpath",
                                   std::string("--partial-dir=") + kRsyncPartialDir};
  if (request.rate.has_value()) {
    argv.push_back("--bwlimit=" + RsyncBwlimitArgument(*request.rate));
  }
  argv.push_back("-e");
  argv.push_back(RsyncRemoteShell(transport, request.home));
  argv.push_back(WithTrailingSlash(request.run_dir));
  argv.push_back(transport.ssh_target + ":" + WithTrailingSlash(request.nas_path));
  return argv;
}

RateLimit RateInForce(const TransportConfig& transport, int64_t unix_seconds) {
  const LocalTime now = ToLocalTime(unix_seconds);
  if (transport.bwlimit.has_value()) return TimetableRate(*transport.bwlimit, now);
  return ScheduledRate(transport.bandwidth, now);
}

bool RateVariesOverTime(const TransportConfig& transport) {
  if (transport.bwlimit.has_value()) return transport.bwlimit->entries.size() > 1;
  return transport.bandwidth.upload_mbps.has_value() && !transport.bandwidth.windows.empty();
}

std::vector<std::vector<std::string>> PlanRsyncBatches(const std::vector<RunFile>& files,
                                                       uint64_t batch_bytes) {
  std::vector<std::vector<std::string>> batches;
  uint64_t filled = 0;
  for (const RunFile& f : files) {
    if (batches.empty() || filled >= batch_bytes) {
      batches.emplace_back();
      filled = 0;
    }
    batches.back().push_back(f.path);
    filled += f.size;
  }
  return batches;
}

std::vector<std::string> RsyncBatchArgv(const TransportConfig& transport,
                                        const RsyncPushRequest& request) {
  std::vector<std::string> argv = RsyncPushArgv(transport, request);
  const auto e = std::find(argv.begin(), argv.end(), "-e");
  argv.insert(e, {"--from0", "--files-from=-"});
  return argv;
}

namespace {

RemoteAttempt RunRsync(CommandRunner* runner, std::vector<std::string> argv, std::string stdin_data,
                       int64_t timeout_ms, const std::atomic<bool>* cancel) {
  CommandSpec spec;
  spec.argv = std::move(argv);
  spec.stdin_data = std::move(stdin_data);
  spec.timeout_ms = timeout_ms;
  return ToRemoteAttempt(runner->Run(spec, cancel), "rsync", &ClassifyRsync);
}

int64_t NowSeconds(Env* env) { return env->NowUnixNanos() / 1'000'000'000; }

RemoteAttempt PushInBatches(CommandRunner* runner, const TransportConfig& transport,
                            RsyncPushRequest request, const std::atomic<bool>* cancel) {
  Result<std::vector<RunFile>> files =
      ListRunFiles(request.env, request.run_dir, request.cache_dir);
  if (!files.ok()) {
    RemoteAttempt failed;
    failed.failure = {files.status().code() == StatusCode::kNotFound
                          ? FailureKind::kLocalFileVanished
                          : FailureKind::kLocalIo,
                      "listing the run for rsync batches: " + files.status().message()};
    return failed;
  }
  for (const std::vector<std::string>& batch : PlanRsyncBatches(*files, request.batch_bytes)) {
    std::string list;
    for (const std::string& path : batch) list.append(path).push_back('\0');
    request.rate = RateInForce(transport, NowSeconds(request.env));
    RemoteAttempt a = RunRsync(runner, RsyncBatchArgv(transport, request), std::move(list),
                               request.timeout_ms, cancel);
    if (!a.done()) return a;
  }
  // The last pass: the cache dir, directory metadata, anything the batches did not cover.
  request.rate = RateInForce(transport, NowSeconds(request.env));
  return RunRsync(runner, RsyncPushArgv(transport, request), "", request.timeout_ms, cancel);
}

}  // namespace

RemoteAttempt PushRunWithRsync(CommandRunner* runner, const TransportConfig& transport,
                               const RsyncPushRequest& request, const std::atomic<bool>* cancel) {
  if (request.env != nullptr && RateVariesOverTime(transport)) {
    return PushInBatches(runner, transport, request, cancel);
  }
  return RunRsync(runner, RsyncPushArgv(transport, request), "", request.timeout_ms, cancel);
}

}  // namespace ferry::push
