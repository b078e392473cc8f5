// Compiled by LayeringTest.PullSeesTheLayersBelow with ferry_pull's include path, where it
// must compile: the control that shows the failing probes fail for the header alone.
#include "base/path.h"
#include "ferry/status.h"
#include "net/url.h"
#include "pull/plan.h"
#include "store/workspace_layout.h"

namespace ferry::layering_probe {
int Touch() { return static_cast<int>(sizeof(pull::Plan)); }
}  // namespace ferry::layering_probe
