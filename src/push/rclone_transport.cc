#include "push/rclone_transport.h"

#include <nlohmann/json.hpp>

namespace ferry::push {
namespace {

constexpr char kLocalFilesystemPrefix[] = "Local file system at ";

CommandSpec RcloneSpec(std::vector<std::string> argv, const RclonePushRequest& request) {
  CommandSpec spec;
  spec.argv = std::move(argv);
  spec.env_overrides = request.env;
  spec.timeout_ms = request.timeout_ms;
  return spec;
}

// `sync` failing on a filesystem we just wrote to is an I/O problem of the destination, which
// may pass (an NFS server restarting): retried with backoff, like any unexplained failure.
Classification ClassifySync(const CommandResult& result) {
  std::string line = result.stderr_text.substr(0, result.stderr_text.find('\n'));
  return {FailureKind::kOther,
          "sync exit " + std::to_string(result.exit_code) + (line.empty() ? "" : ": " + line)};
}

}  // namespace

std::string RcloneBwlimitArgument(const TransportConfig& transport, LocalTime now) {
  if (!transport.bwlimit_text.empty()) return transport.bwlimit_text;
  RateLimit rate = ScheduledRate(transport.bandwidth, now);
  return rate.has_value() ? std::to_string(*rate) + "B" : "";
}

std::vector<std::string> RclonePushArgv(const RclonePushRequest& request) {
  std::vector<std::string> argv = {"rclone", "copy", "--checksum", "--retries", "1"};
  if (!request.bwlimit.empty()) {
    argv.push_back("--bwlimit");
    argv.push_back(request.bwlimit);
  }
  argv.push_back(request.run_dir);
  argv.push_back(request.nas_path);
  return argv;
}

Result<RcloneDestination> ParseRcloneFeatures(std::string_view json) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("String") || !doc["String"].is_string() ||
      !doc.contains("Root") || !doc["Root"].is_string()) {
    return Status::Corruption(
        "rclone backend features: not the JSON object with \"String\" and \"Root\" it prints");
  }
  RcloneDestination d;
  d.local = doc["String"].get<std::string>().starts_with(kLocalFilesystemPrefix);
  if (d.local) d.root = doc["Root"].get<std::string>();
  return d;
}

RclonePush MakeRcloneCopyDurable(CommandRunner* runner, const RclonePushRequest& request,
                                 const std::atomic<bool>* cancel) {
  RclonePush push;
  push.attempt = ToRemoteAttempt(
      runner->Run(RcloneSpec({"rclone", "backend", "features", request.nas_path}, request), cancel),
      "rclone", &ClassifyRclone);
  if (!push.attempt.done()) return push;
  Result<RcloneDestination> dest = ParseRcloneFeatures(push.attempt.result.stdout_text);
  if (!dest.ok()) {
    push.attempt.outcome = RemoteAttempt::Outcome::kFailed;
    push.attempt.failure = {FailureKind::kOther, dest.status().message()};
    return push;
  }
  if (!dest->local) return push;  // kBackendWriteback: nothing ferry can flush
  push.attempt = ToRemoteAttempt(
      runner->Run(RcloneSpec({"sync", "-f", dest->root}, request), cancel), "sync", &ClassifySync);
  if (push.attempt.done()) push.durability = RcloneDurability::kSynced;
  return push;
}

RclonePush PushRunWithRclone(CommandRunner* runner, const TransportConfig& /*transport*/,
                             const RclonePushRequest& request, const std::atomic<bool>* cancel) {
  RclonePush push;
  push.attempt = ToRemoteAttempt(runner->Run(RcloneSpec(RclonePushArgv(request), request), cancel),
                                 "rclone", &ClassifyRclone);
  if (!push.attempt.done()) return push;
  return MakeRcloneCopyDurable(runner, request, cancel);
}

}  // namespace ferry::push
