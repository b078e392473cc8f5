// DefaultStateDir: where `ferry sync` keeps its baselines and locks when --state-dir is not
// given (docs/SYNC.md "Baseline"), following the XDG base directory spec:
// $XDG_STATE_HOME/ferry/sync when XDG_STATE_HOME is set to an absolute path, else
// $HOME/.local/state/ferry/sync.
//
// Thread-safety: a pure function (the caller reads the environment).
#ifndef FERRY_SYNC_STATE_DIR_H_
#define FERRY_SYNC_STATE_DIR_H_

#include <string>
#include <string_view>

#include "ferry/status.h"

namespace ferry::sync {

// `xdg_state_home` and `home` are the variables' values ("" when unset). A relative
// XDG_STATE_HOME is ignored, as the spec says. With neither usable: kInvalidArgument saying
// to pass --state-dir.
Result<std::string> DefaultStateDir(std::string_view xdg_state_home, std::string_view home);

}  // namespace ferry::sync

#endif  // FERRY_SYNC_STATE_DIR_H_
