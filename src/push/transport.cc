#include "push/transport.h"

#include <utility>

#include "push/bandwidth.h"
#include "push/local_transport.h"
#include "push/local_verify.h"
#include "push/rclone_transport.h"
#include "push/rclone_verify.h"
#include "push/rsync_transport.h"

namespace ferry::push {
namespace {

// A local-transport error as the job rules see it: the run gone is terminal, a symlink in the
// run is terminal (retrying cannot help), anything else (the NAS mount full, unmounted, an
// I/O error) is retried with backoff.
RemoteAttempt LocalAttempt(const Status& status) {
  RemoteAttempt a;
  if (status.ok()) {
    a.outcome = RemoteAttempt::Outcome::kDone;
    return a;
  }
  if (status.code() == StatusCode::kCancelled) {
    a.outcome = RemoteAttempt::Outcome::kCancelled;
    return a;
  }
  a.outcome = RemoteAttempt::Outcome::kFailed;
  a.failure.message = status.message();
  switch (status.code()) {
    case StatusCode::kNotFound:
      a.failure.kind = FailureKind::kLocalFileVanished;
      break;
    case StatusCode::kNotSupported:
      a.failure.kind = FailureKind::kFatal;
      break;
    default:
      a.failure.kind = FailureKind::kOther;
      break;
  }
  return a;
}

class LocalTransport : public Transport {
 public:
  LocalTransport(TransportConfig config, TransportContext context)
      : config_(std::move(config)), context_(std::move(context)) {}

  RemoteAttempt Push(const std::string& run_dir, const std::string& nas_path, int64_t /*now*/,
                     const std::atomic<bool>* cancel) override {
    return LocalAttempt(PushRunLocally(context_.env, run_dir, nas_path, cancel).status());
  }

  Result<RemoteVerification> Verify(const std::string& run_dir, const std::string& nas_path,
                                    const std::atomic<bool>* /*cancel*/) override {
    return VerifyLocalCopy(context_.env, run_dir, nas_path, context_.cache_dir,
                           context_.hash_threads);
  }

  RemoteListing List(const std::string& nas_path, const std::atomic<bool>* /*cancel*/) override {
    RemoteListing listing;
    Result<std::vector<RemoteFile>> files = ListLocalCopy(context_.env, nas_path);
    listing.attempt = LocalAttempt(files.status());
    if (files.ok()) listing.files = std::move(*files);
    return listing;
  }

 private:
  const TransportConfig config_;
  const TransportContext context_;
};

class RsyncSshTransport : public Transport {
 public:
  RsyncSshTransport(TransportConfig config, TransportContext context)
      : config_(std::move(config)), context_(std::move(context)) {}

  RemoteAttempt Push(const std::string& run_dir, const std::string& nas_path, int64_t now,
                     const std::atomic<bool>* cancel) override {
    RsyncPushRequest r;
    r.run_dir = run_dir;
    r.nas_path = nas_path;
    r.rate = RateAt(config_, now);
    r.home = context_.home;
    r.timeout_ms = context_.timeout_ms;
    // With the Env the rate is re-evaluated between batches of files when the configured
    // limit changes with the time of day, so a window that opens mid-run is honoured.
    r.env = context_.env;
    r.cache_dir = context_.cache_dir;
    return PushRunWithRsync(context_.runner, config_, r, cancel);
  }

  Result<RemoteVerification> Verify(const std::string& run_dir, const std::string& nas_path,
                                    const std::atomic<bool>* cancel) override {
    return VerifyRunOverSsh(context_.runner, context_.env, config_, Request(run_dir, nas_path),
                            cancel);
  }

  RemoteListing List(const std::string& nas_path, const std::atomic<bool>* cancel) override {
    return ListRemoteRun(context_.runner, config_, Request("", nas_path), cancel);
  }

 private:
  SshRemoteRequest Request(const std::string& run_dir, const std::string& nas_path) const {
    SshRemoteRequest r;
    r.run_dir = run_dir;
    r.nas_path = nas_path;
    r.cache_dir = context_.cache_dir;
    r.home = context_.home;
    r.timeout_ms = context_.timeout_ms;
    return r;
  }

  const TransportConfig config_;
  const TransportContext context_;
};

// rclone: `rclone copy --checksum` (the bwlimit timetable passed through, so rclone itself
// changes the rate during a long copy), verified with `rclone hashsum sha256` or, where the
// backend has no SHA-256, `rclone check --download`. rclone reads its remotes from the
// service's own rclone configuration (RCLONE_CONFIG or ~/.config/rclone), so no extra
// environment is passed.
class RcloneTransport : public Transport {
 public:
  RcloneTransport(TransportConfig config, TransportContext context)
      : config_(std::move(config)), context_(std::move(context)) {}

  RemoteAttempt Push(const std::string& run_dir, const std::string& nas_path, int64_t now,
                     const std::atomic<bool>* cancel) override {
    RclonePushRequest r;
    r.run_dir = run_dir;
    r.nas_path = nas_path;
    r.bwlimit = RcloneBwlimitArgument(config_, ToLocalTime(now));
    r.timeout_ms = context_.timeout_ms;
    return PushRunWithRclone(context_.runner, config_, r, cancel).attempt;
  }

  Result<RemoteVerification> Verify(const std::string& run_dir, const std::string& nas_path,
                                    const std::atomic<bool>* cancel) override {
    return VerifyRunWithRclone(context_.runner, context_.env, Request(run_dir, nas_path), cancel);
  }

  RemoteListing List(const std::string& nas_path, const std::atomic<bool>* cancel) override {
    return ListRcloneRun(context_.runner, Request("", nas_path), cancel);
  }

 private:
  RcloneRemoteRequest Request(const std::string& run_dir, const std::string& nas_path) const {
    RcloneRemoteRequest r;
    r.run_dir = run_dir;
    r.nas_path = nas_path;
    r.cache_dir = context_.cache_dir;
    r.timeout_ms = context_.timeout_ms;
    return r;
  }

  const TransportConfig config_;
  const TransportContext context_;
};

}  // namespace

RateLimit RateAt(const TransportConfig& config, int64_t now) {
  const LocalTime t = ToLocalTime(now);
  if (config.bwlimit.has_value()) return TimetableRate(*config.bwlimit, t);
  return ScheduledRate(config.bandwidth, t);
}

Result<std::unique_ptr<Transport>> NewTransport(const TransportConfig& config,
                                                const TransportContext& context) {
  switch (config.type) {
    case TransportType::kLocal:
      return std::unique_ptr<Transport>(std::make_unique<LocalTransport>(config, context));
    case TransportType::kRsyncSsh:
      return std::unique_ptr<Transport>(std::make_unique<RsyncSshTransport>(config, context));
    case TransportType::kRclone:
      return std::unique_ptr<Transport>(std::make_unique<RcloneTransport>(config, context));
  }
  return Status::NotSupported("transport type '" + std::string(TransportTypeName(config.type)) +
                              "' is not built in this binary; use rsync_ssh, rclone or local");
}

}  // namespace ferry::push
