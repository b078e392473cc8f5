// The binary baseline file (format 2, docs/SYNC.md "Baseline"), which replaced the text form
// of format 1 because a no-op sync of 100,000 files spent most of its time and memory parsing
// 15 MB of text: this one is read in 1 MiB pieces straight into the records, without ever
// holding the file whole, and with no number or hex to parse.
//
//   "ferry-sync-baseline 2\n"                       (so `head -1` still says what it is)
//   u32 length, id_a bytes; u32 length, id_b bytes
//   u64 record count
//   per record, sorted by path:
//     u8 kind ('f', 'l', 'd'); u32 bytes shared with the previous path; u32 length, the
//     rest of the path; 32 hash bytes (not for 'd'); u64 size;
//     for side a then b: i64 mtime_ns, u64 inode, u32 mode
//   "end", u64 record count, u64 FNV-1a 64 of every byte before "end"
// Integers are little-endian. Anything short, long, unsorted, out of range or failing the
// checksum is kCorruption: the file is only ever replaced whole (SaveBaseline), so a bad one
// is damage, never a crash.
//
// Thread-safety: pure functions (DecodeBaselineV2 reads from the one file it is given).
#ifndef FERRY_SYNC_BASELINE_BINARY_H_
#define FERRY_SYNC_BASELINE_BINARY_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "ferry/env.h"
#include "ferry/status.h"
#include "sync/baseline.h"

namespace ferry::sync {

inline constexpr std::string_view kBaselineMagicV2 = "ferry-sync-baseline 2\n";

// Hands the file of a baseline of `count` records, which `records` gives in path order, to
// `sink` in pieces of about 256 KiB, so a save never holds the whole file (9 MB at 100,000
// files); stops at the sink's error. Records out of order, or not `count` of them, are
// kInternal (a bug: the file must not be committed).
Status EncodeBaselineV2(std::string_view id_a, std::string_view id_b, uint64_t count,
                        const BaselineRecordSource& records,
                        const std::function<Status(std::string_view)>& sink);
// The whole file at once.
std::string EncodeBaselineV2(const Baseline& baseline);

// Decodes a format 2 file from `file`, whose first `head.size()` bytes were already read
// into `head` (the caller peeked at the magic). `size_hint` (the file's size, 0 if unknown)
// bounds the memory reserved up front, so a damaged count cannot allocate gigabytes. `where`
// names the file in errors.
Result<Baseline> DecodeBaselineV2(std::string_view head, SequentialFile* file, uint64_t size_hint,
                                  std::string_view where);

}  // namespace ferry::sync

#endif  // FERRY_SYNC_BASELINE_BINARY_H_
