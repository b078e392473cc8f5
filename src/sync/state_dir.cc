#include "sync/state_dir.h"

namespace ferry::sync {
namespace {

std::string WithoutTrailingSlash(std::string_view dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
  return std::string(dir);
}

}  // namespace

Result<std::string> DefaultStateDir(std::string_view xdg_state_home, std::string_view home) {
  if (!xdg_state_home.empty() && xdg_state_home.front() == '/') {
    return WithoutTrailingSlash(xdg_state_home) + "/ferry/sync";
  }
  if (!home.empty() && home.front() == '/') {
    return WithoutTrailingSlash(home) + "/.local/state/ferry/sync";
  }
  return Status::InvalidArgument(
      "no state directory for the sync baselines: neither XDG_STATE_HOME nor HOME is an "
      "absolute path (pass --state-dir DIR)");
}

}  // namespace ferry::sync
