// Compiled by LayeringTest.StoreCannotIncludeNet with ferry_store's include path, where it
// must fail: store sits beside net, not above it (docs/DESIGN.md, Layers).
#include "net/url.h"
