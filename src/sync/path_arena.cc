#include "sync/path_arena.h"

#include <cstring>
#include <string>

namespace ferry::sync {

PathArena::PathArena(const PathArena& other) { *this = other; }

PathArena& PathArena::operator=(const PathArena& other) {
  if (this == &other) return *this;
  blocks_.clear();
  for (size_t i = 0; i < other.blocks_.size(); ++i) {
    size_t used = i + 1 == other.blocks_.size() ? other.used_in_last_ : kBlockBytes;
    blocks_.emplace_back(new char[kBlockBytes]);
    std::memcpy(blocks_.back().get(), other.blocks_[i].get(), used);
  }
  used_in_last_ = other.used_in_last_;
  return *this;
}

Result<uint32_t> PathArena::Add(std::string_view path) {
  if (path.size() > kMaxPathBytes) {
    return Status::InvalidArgument("sync: a path of " + std::to_string(path.size()) +
                                   " bytes is longer than the " + std::to_string(kMaxPathBytes) +
                                   " ferry sync handles: " + std::string(path.substr(0, 200)) +
                                   "...");
  }
  uint16_t size = static_cast<uint16_t>(path.size());
  if (blocks_.empty() || kBlockBytes - used_in_last_ < sizeof size + path.size()) {
    if (blocks_.size() == kMaxBlocks) {
      return Status::InvalidArgument(
          "sync: more than 4 GiB of paths in one tree; sync it in parts (one pair per subtree)");
    }
    // new char[] leaves the bytes uninitialised: only what Add writes becomes resident.
    blocks_.emplace_back(new char[kBlockBytes]);
    used_in_last_ = 0;
  }
  size_t offset = (blocks_.size() - 1) * kBlockBytes + used_in_last_;
  char* at = blocks_.back().get() + used_in_last_;
  std::memcpy(at, &size, sizeof size);
  if (!path.empty()) std::memcpy(at + sizeof size, path.data(), path.size());
  used_in_last_ += sizeof size + path.size();
  return static_cast<uint32_t>(offset);
}

}  // namespace ferry::sync
