#include "push/run_location.h"

#include "base/path.h"
#include "push/gate.h"

namespace ferry::push {
namespace {

// Absolute, and no "", "." or ".." segment after the leading '/'.
bool IsNormalAbsolute(std::string_view path) {
  if (path.size() < 2 || path[0] != '/') return false;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view seg = path.substr(start, end - start);
    if (seg.empty() || seg == "." || seg == "..") return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

Result<RunLocation> LocateRun(const PushConfig& config, std::string_view run_path) {
  std::string_view path = run_path;
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (!IsNormalAbsolute(path)) {
    return Status::InvalidArgument("run path '" + std::string(run_path) +
                                   "' must be absolute without '.', '..' or '//' in it");
  }
  const EquipmentConfig* best = nullptr;
  std::string best_below;
  for (const EquipmentConfig& e : config.equipment) {
    Result<std::string> below = PathBelowRoot(path, e.local_root);
    if (!below.ok()) continue;
    const std::string_view first = std::string_view(*below).substr(0, below->find('/'));
    if (first != e.id) continue;
    // Nested local_roots: the deepest one is the most specific.
    if (best == nullptr || e.local_root.size() > best->local_root.size()) {
      best = &e;
      best_below = *below;
    }
  }
  if (best == nullptr) {
    std::string known;
    for (const EquipmentConfig& e : config.equipment) {
      known += (known.empty() ? "" : ", ") + JoinPath(e.local_root, e.id);
    }
    return Status::InvalidArgument("run " + std::string(path) +
                                   " is not under any configured equipment (" + known +
                                   "); check the path or add its equipment to the config");
  }
  if (best_below == best->id) {
    return Status::InvalidArgument(std::string(path) + " is the directory of equipment " +
                                   best->id + ", not a run inside it");
  }
  RunLocation loc;
  loc.equipment = best;
  loc.run_path = std::string(path);
  loc.below_root = best_below;
  loc.nas_path = NasRunPath(best->transport, best_below);
  return loc;
}

std::string NasRunPath(const TransportConfig& transport, std::string_view below_root) {
  switch (transport.type) {
    case TransportType::kRsyncSsh:
      return JoinPath(transport.remote_path, below_root);
    case TransportType::kRclone:
      return transport.rclone_remote + ":" + JoinPath(transport.rclone_remote_path, below_root);
    case TransportType::kLocal:
      return JoinPath(transport.path, below_root);
  }
  return std::string(below_root);
}

}  // namespace ferry::push
