// Memory bundles: the markdown document GET /api/memory/bundle?domain=<slug> returns, and the
// change token the manifest advertises for it (docs/PROTOCOL.md, "GET /api/memory/bundle").
//
// Rendering (deterministic for the same domain and items):
//
//   # <domain name>\n\n<domain description>\n\n## Required\n\n### <title>\n\n<content>\n\n
//   ## Approved\n\n### <title>\n\n<content>\n
//
// Items with is_required go under "## Required"; the other items whose status is "approved"
// under "## Approved"; each section is sorted by item id; other items are not rendered. An
// empty section is left out with its heading, and so is an empty description. Blocks are
// separated by one blank line and the document ends with a single newline.
//
// Change token: the MD5 hex of "<name>|<description>|" followed, for every rendered item in id
// order, by "<id>|<title>|<status>|<True or False>|<content>|". The original server hashes the
// items only; ferry mixes in the name and description because they are rendered too, so
// renaming a domain re-fetches its bundle. The token changes exactly when the bundle can.
//
// Thread-safety: pure functions.
#ifndef FERRY_SERVE_BUNDLE_RENDERER_H_
#define FERRY_SERVE_BUNDLE_RENDERER_H_

#include <string>
#include <vector>

#include "serve/memory_items.h"

namespace ferry::serve {

struct BundleInput {
  std::string name;
  std::string description;
  std::vector<MemoryItem> items;  // any order
};

struct BundleCounts {
  size_t items = 0;     // rendered items
  size_t required = 0;  // rendered items with is_required
};

// True when the item appears in the bundle (required, or approved).
bool IsRenderedItem(const MemoryItem& item);

std::string RenderBundle(const BundleInput& bundle);
std::string BundleChangeToken(const BundleInput& bundle);
BundleCounts CountBundleItems(const BundleInput& bundle);

}  // namespace ferry::serve

#endif  // FERRY_SERVE_BUNDLE_RENDERER_H_
