// Fuzzes ParseMemoryItem (src/serve/memory_items.h): a memory item's markdown file with its
// YAML front matter, written by hand and rendered into every bundle a user pulls.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/path.h"
#include "fuzz/fuzz_util.h"
#include "serve/memory_items.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(ferry::fuzz::AsText(data, size));
  ferry::Result<ferry::serve::MemoryItem> item =
      ferry::serve::ParseMemoryItem(text, "memory/playbook/item.md");
  if (!item.ok()) return 0;
  FUZZ_CHECK(ferry::IsSafePathSegment(item->id), item->id);
  // The content as memory_items.h describes it: no leading blank line, no trailing blanks.
  const std::string& c = item->content;
  if (!c.empty()) {
    FUZZ_CHECK(c.front() != '\n' && c.front() != '\r', c);
    FUZZ_CHECK(c.back() != '\n' && c.back() != '\r' && c.back() != ' ' && c.back() != '\t', c);
  }
  return 0;
}
