#include "push/rsync_transport.h"

#include "push/ssh_command.h"

namespace ferry::push {
namespace {

std::string WithTrailingSlash(const std::string& dir) {
  return dir.ends_with('/') ? dir : dir + "/";
}

}  // namespace

std::vector<std::string> RsyncPushArgv(const TransportConfig& transport,
                                       const RsyncPushRequest& request) {
  std::vector<std::string> argv = {"rsync", "-a", "--mkpath",
                                   std::string("--partial-dir=") + kRsyncPartialDir, "--fsync"};
  if (request.rate.has_value()) {
    argv.push_back("--bwlimit=" + RsyncBwlimitArgument(*request.rate));
  }
  argv.push_back("-e");
  argv.push_back(RsyncRemoteShell(transport, request.home));
  argv.push_back(WithTrailingSlash(request.run_dir));
  argv.push_back(transport.ssh_target + ":" + WithTrailingSlash(request.nas_path));
  return argv;
}

RemoteAttempt PushRunWithRsync(CommandRunner* runner, const TransportConfig& transport,
                               const RsyncPushRequest& request, const std::atomic<bool>* cancel) {
  CommandSpec spec;
  spec.argv = RsyncPushArgv(transport, request);
  spec.timeout_ms = request.timeout_ms;
  return ToRemoteAttempt(runner->Run(spec, cancel), "rsync", &ClassifyRsync);
}

}  // namespace ferry::push
