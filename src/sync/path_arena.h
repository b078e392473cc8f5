// PathArena: an append-only store of path bytes for the structures that hold one record per
// file (the baseline, a replica's observations), which refer to a path by a 32-bit offset
// instead of owning a std::string. A std::string costs 32 bytes inline and, for a path over 15
// bytes, a heap chunk of its own (32 bytes for a 21-byte path); here a path costs its bytes
// plus two (docs/SYNC.md "Performance", "Memory").
//
// Invariants:
// - Bytes live in blocks of kBlockBytes that are never moved nor freed while the arena lives
//   (a move keeps them too), so a string_view from Get stays valid as long as the arena.
// - Each path is stored as a 2-byte size, then its bytes, and never spans two blocks: one
//   32-bit offset locates it, and its holder needs no size field (4 GiB of paths, ~40 million
//   of 100 bytes; a path is at most kMaxPathBytes).
// - Blocks are allocated uninitialised and filled front to back, so the unused tail of the last
//   one is address space, never resident memory.
//
// Thread-safety: Add from one thread at a time; Get from any number of threads while nothing
// Adds.
#ifndef FERRY_SYNC_PATH_ARENA_H_
#define FERRY_SYNC_PATH_ARENA_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "ferry/status.h"

namespace ferry::sync {

class PathArena {
 public:
  // Longer than any path a filesystem accepts (PATH_MAX is 4096).
  static constexpr size_t kMaxPathBytes = 65535;

  PathArena() = default;
  PathArena(PathArena&&) = default;
  PathArena& operator=(PathArena&&) = default;
  // A copy holds the same bytes at the same offsets.
  PathArena(const PathArena& other);
  PathArena& operator=(const PathArena& other);

  // Copies `path` in and returns its offset. kInvalidArgument for a path over kMaxPathBytes
  // or once 4 GiB are held.
  Result<uint32_t> Add(std::string_view path);

  // The path Add put at `offset`.
  std::string_view Get(uint32_t offset) const {
    const char* at = blocks_[offset >> kBlockBits].get() + (offset & (kBlockBytes - 1));
    uint16_t size;
    std::memcpy(&size, at, sizeof size);  // unaligned: paths are packed
    return {at + sizeof size, size};
  }

  // Bytes of the blocks allocated (not all resident: see the header).
  size_t capacity() const { return blocks_.size() * kBlockBytes; }

 private:
  static constexpr unsigned kBlockBits = 20;  // 1 MiB: malloc maps it, the tail stays untouched
  static constexpr size_t kBlockBytes = size_t{1} << kBlockBits;
  static constexpr size_t kMaxBlocks = (uint64_t{1} << 32) / kBlockBytes;

  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t used_in_last_ = 0;  // bytes of the last block in use
};

}  // namespace ferry::sync

#endif  // FERRY_SYNC_PATH_ARENA_H_
