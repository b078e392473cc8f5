// Compiled by LayeringTest.BaseCannotIncludeAnEngine with ferry_base's include path, where it
// must fail: base is the bottom layer and sees no engine's headers (docs/DESIGN.md, Layers).
#include "pull/plan.h"
