// Where a run belongs: which equipment it came from and where its NAS copy goes. Pure.
//
// A run path is <local_root>/<EQUIPMENT_ID>/<project>/.../<run>; the equipment is the one
// whose local_root the path is below AND whose id is the first segment below it. No match is
// an error (the seed product silently falls back to the first equipment, which pushes one
// instrument's data into another's NAS tree).
//
// The NAS path keeps the whole path below local_root, equipment id included
// (<remote_path>/CONFOCAL_01/P1/Runs/Run_1), so two runs with the same leaf name in different
// projects, or of different equipment sharing one remote_path, never collide (the seed
// product pushes every run to <remote_path>/<leaf>).
//
// Thread-safety: pure functions.
#ifndef FERRY_PUSH_RUN_LOCATION_H_
#define FERRY_PUSH_RUN_LOCATION_H_

#include <string>
#include <string_view>

#include "ferry/status.h"
#include "push/config.h"

namespace ferry::push {

struct RunLocation {
  const EquipmentConfig* equipment = nullptr;  // points into the PushConfig given
  std::string run_path;                        // as given, without trailing '/'
  std::string below_root;                      // "CONFOCAL_01/P1/Runs/Run_1"
  std::string nas_path;                        // see NasRunPath
};

// kInvalidArgument for a relative or unnormalised path ("." / ".." / empty segments), a path
// that is an equipment dir itself, or a path under no equipment.
Result<RunLocation> LocateRun(const PushConfig& config, std::string_view run_path);

// The run's NAS location as its transport names it: rsync_ssh "<remote_path>/<below_root>",
// rclone "<rclone_remote>:<rclone_remote_path>/<below_root>", local "<path>/<below_root>".
std::string NasRunPath(const TransportConfig& transport, std::string_view below_root);

}  // namespace ferry::push

#endif  // FERRY_PUSH_RUN_LOCATION_H_
