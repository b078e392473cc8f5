// MemoryItem: one entry of a memory domain, stored as a markdown file with a YAML front matter:
//
//   ---
//   id: pricing-rules
//   title: Pricing rules
//   status: approved          # only "approved" items (and required ones) are rendered
//   is_required: true
//   ---
//   The item's content, markdown.
//
// The content is the text after the closing "---" line, without leading blank lines and
// without trailing whitespace, so editors adding a final newline do not change the bundle.
//
// Thread-safety: pure functions over values.
#ifndef FERRY_SERVE_MEMORY_ITEMS_H_
#define FERRY_SERVE_MEMORY_ITEMS_H_

#include <string>
#include <vector>

#include "ferry/env.h"
#include "ferry/status.h"

namespace ferry::serve {

struct MemoryItem {
  std::string id;
  std::string title;
  std::string status;
  bool is_required = false;
  std::string content;

  bool operator==(const MemoryItem&) const = default;
};

// Parses one item file's text; `label` (the file's path) prefixes error messages, with the
// line when known: "<label>:<line>: memory item has no 'id' in its front matter".
Result<MemoryItem> ParseMemoryItem(const std::string& text, const std::string& label);

// Reads every "*.md" file directly in `dir`, sorted by item id. A missing directory, an item
// that does not parse, an unsafe or duplicate id is an error naming the file.
Result<std::vector<MemoryItem>> LoadMemoryItems(Env* env, const std::string& dir);

}  // namespace ferry::serve

#endif  // FERRY_SERVE_MEMORY_ITEMS_H_
