// Baseline: what both replicas of a pair held after their last successful sync, the third
// side of the three-way comparison (docs/SYNC.md "Baseline", which also gives the file
// format).
//
// Invariants:
// - One record per path that was equal on both sides (same kind and content hash) when the
//   baseline was committed; records are sorted by path (byte order) and unique.
// - The baseline names its pair (id_a, id_b); CheckBaselineRoots refuses one that names
//   another pair, so a baseline is never applied to the wrong roots.
// - It is replaced only by SaveBaseline (temp, fsync, rename, fsync the directory), so after a
//   crash the file is the whole old baseline or the whole new one; a torn or damaged file is
//   kCorruption, never half-read.
// Memory: about 130 bytes per record plus the path's heap bytes (ContentHash is raw bytes and
// the stamp of both sides shares one size).
//
// Thread-safety: a plain value; the free functions are as safe as the Env.
#ifndef FERRY_SYNC_BASELINE_H_
#define FERRY_SYNC_BASELINE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/env.h"
#include "ferry/status.h"
#include "sync/content_hash.h"
#include "sync/replica_entry.h"

namespace ferry::sync {

// The part of a record that differs between the two sides.
struct SideStamp {
  int64_t mtime_ns = 0;
  uint64_t inode = 0;
  uint32_t mode = 0;
};

struct BaselineRecord {
  std::string path;
  EntryKind kind = EntryKind::kFile;
  uint64_t size = 0;
  ContentHash hash{};  // all zero for a directory
  SideStamp a;
  SideStamp b;
};

enum class Side : uint8_t { kA, kB };

// The format SaveBaseline writes (docs/SYNC.md "Baseline"): 2, binary. LoadBaseline still
// reads format 1 (text); a sync that loaded one rewrites it as format 2.
inline constexpr uint32_t kBaselineFormatVersion = 2;

// "a" or "b".
std::string_view SideName(Side side);
inline Side OtherSide(Side side) { return side == Side::kA ? Side::kB : Side::kA; }

class Baseline {
 public:
  Baseline() = default;
  Baseline(std::string id_a, std::string id_b) : id_a_(std::move(id_a)), id_b_(std::move(id_b)) {}

  const std::string& id_a() const { return id_a_; }
  const std::string& id_b() const { return id_b_; }
  const std::vector<BaselineRecord>& records() const { return records_; }
  size_t size() const { return records_.size(); }
  bool empty() const { return records_.empty(); }

  // The record of `path`, or null. O(log n).
  const BaselineRecord* Find(std::string_view path) const;

  // Replaces the records; sorts them by path. Two records for one path are kInvalidArgument.
  Status SetRecords(std::vector<BaselineRecord> records);

  // Replaces the records with ones the caller already checked are sorted and unique (a
  // decoder that verified the order while reading), without sorting again.
  void AdoptSortedRecords(std::vector<BaselineRecord> records, uint32_t format_version) {
    records_ = std::move(records);
    format_version_ = format_version;
  }

  // The format of the file this baseline was read from; kBaselineFormatVersion for one made
  // in memory. A sync that finds an older one rewrites the file even when nothing changed.
  uint32_t format_version() const { return format_version_; }

 private:
  std::string id_a_;
  std::string id_b_;
  std::vector<BaselineRecord> records_;
  uint32_t format_version_ = kBaselineFormatVersion;
};

// The stamp a record holds for `side`.
inline const SideStamp& StampOf(const BaselineRecord& r, Side side) {
  return side == Side::kA ? r.a : r.b;
}

// "<first 16 hex digits of sha256(id_a + '\n' + id_b)>.baseline": the file of a pair under
// the state directory (Unison names its archives the same way).
std::string BaselineFileName(std::string_view id_a, std::string_view id_b);

// The file's bytes in the current format (2, binary: sync/baseline_binary.h).
std::string SerializeBaseline(const Baseline& baseline);
// The text of format 1 (docs/SYNC.md), which ferry wrote before format 2; kept so that tests
// can make an old file and check it is still read.
std::string SerializeBaselineV1Text(const Baseline& baseline);
// A whole file of either format back into a baseline. `where` names the file in errors.
Result<Baseline> ParseBaseline(std::string_view bytes, std::string_view where);

// The baseline at `path`; nullopt when there is none (first sync). A damaged file is
// kCorruption naming the path and what to do. A format 2 file is decoded as it is read, in
// 1 MiB pieces, so memory holds the records and not the file too.
Result<std::optional<Baseline>> LoadBaseline(Env* env, const std::string& path);

// Replaces the file at `path` atomically and durably, in the current format. The directory
// must exist.
Status SaveBaseline(Env* env, const std::string& path, const Baseline& baseline);

// OK when `baseline` belongs to the pair (id_a, id_b); else kRefused saying which roots it
// names and that --force starts over.
Status CheckBaselineRoots(const Baseline& baseline, std::string_view id_a, std::string_view id_b,
                          std::string_view where);

}  // namespace ferry::sync

#endif  // FERRY_SYNC_BASELINE_H_
