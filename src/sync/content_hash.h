// ContentHash: the SHA-256 of what a path holds, the identity sync compares across replicas
// and records in the baseline: of a file's bytes, of a symlink's target text; a directory has
// none (all zero). Kept as 32 raw bytes, not 64 hex characters, because the baseline holds one
// per file (docs/SYNC.md "Baseline": memory per file).
//
// Thread-safety: plain values; HashEntry may run concurrently on distinct paths.
#ifndef FERRY_SYNC_CONTENT_HASH_H_
#define FERRY_SYNC_CONTENT_HASH_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "ferry/status.h"
#include "sync/replica_entry.h"

namespace ferry::sync {

class Replica;  // replica.h, which includes this header

using ContentHash = std::array<uint8_t, 32>;

// 64 lowercase hex digits.
std::string ContentHashHex(const ContentHash& hash);
// The inverse; false unless `hex` is exactly 64 hex digits.
bool ParseContentHashHex(std::string_view hex, ContentHash* out);

// The hash of bytes held in memory (a link target, a test's content).
ContentHash HashBytes(std::string_view bytes);

// The hash of `entry` as it is on `replica`: reads a file, hashes a link's target, returns
// all zeros for a directory.
Result<ContentHash> HashEntry(Replica* replica, const ReplicaEntry& entry);

}  // namespace ferry::sync

#endif  // FERRY_SYNC_CONTENT_HASH_H_
