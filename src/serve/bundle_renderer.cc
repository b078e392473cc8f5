#include "serve/bundle_renderer.h"

#include <algorithm>

#include "base/hasher.h"

namespace ferry::serve {
namespace {

std::vector<const MemoryItem*> RenderedSortedById(const BundleInput& bundle) {
  std::vector<const MemoryItem*> out;
  for (const MemoryItem& item : bundle.items) {
    if (IsRenderedItem(item)) out.push_back(&item);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const MemoryItem* a, const MemoryItem* b) { return a->id < b->id; });
  return out;
}

}  // namespace

bool IsRenderedItem(const MemoryItem& item) {
  return item.is_required || item.status == "approved";
}

std::string RenderBundle(const BundleInput& bundle) {
  const std::vector<const MemoryItem*> items = RenderedSortedById(bundle);
  std::vector<std::string> blocks;
  blocks.push_back("# " + bundle.name);
  if (!bundle.description.empty()) blocks.push_back(bundle.description);
  for (bool required : {true, false}) {
    bool heading = false;
    for (const MemoryItem* item : items) {
      if (item->is_required != required) continue;
      if (!heading) {
        blocks.push_back(required ? "## Required" : "## Approved");
        heading = true;
      }
      blocks.push_back("### " + item->title);
      if (!item->content.empty()) blocks.push_back(item->content);
    }
  }
  std::string out;
  for (size_t i = 0; i < blocks.size(); ++i) {
    if (i > 0) out += "\n\n";
    out += blocks[i];
  }
  out += "\n";
  return out;
}

std::string BundleChangeToken(const BundleInput& bundle) {
  Hasher md5(HashAlgorithm::kMd5);
  md5.Update(bundle.name);
  md5.Update("|");
  md5.Update(bundle.description);
  md5.Update("|");
  for (const MemoryItem* item : RenderedSortedById(bundle)) {
    md5.Update(item->id);
    md5.Update("|");
    md5.Update(item->title);
    md5.Update("|");
    md5.Update(item->status);
    md5.Update("|");
    md5.Update(item->is_required ? "True" : "False");
    md5.Update("|");
    md5.Update(item->content);
    md5.Update("|");
  }
  return md5.FinishHex();
}

BundleCounts CountBundleItems(const BundleInput& bundle) {
  BundleCounts counts;
  for (const MemoryItem& item : bundle.items) {
    if (!IsRenderedItem(item)) continue;
    ++counts.items;
    if (item.is_required) ++counts.required;
  }
  return counts;
}

}  // namespace ferry::serve
