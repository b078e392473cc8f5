// Compiled by LayeringTest.ServeCannotIncludeAnotherEngine with ferry_serve's include path,
// where it must fail: an engine never includes another engine (docs/DESIGN.md, Layers).
#include "pull/plan.h"
