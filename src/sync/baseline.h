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
// Memory: 96 bytes per record plus the path's own bytes, which live in the baseline's
// PathArena (sync/path_arena.h) after a 2-byte size, not in a std::string per record: 119
// bytes for a 21-byte path, against 160 with a std::string (docs/SYNC.md "Performance").
//
// Thread-safety: a plain value; the free functions are as safe as the Env.
#ifndef FERRY_SYNC_BASELINE_H_
#define FERRY_SYNC_BASELINE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ferry/env.h"
#include "ferry/status.h"
#include "sync/content_hash.h"
#include "sync/path_arena.h"
#include "sync/replica_entry.h"

namespace ferry::sync {

// The part of a record that differs between the two sides.
struct SideStamp {
  int64_t mtime_ns = 0;
  uint64_t inode = 0;
  uint32_t mode = 0;
};

// One path's record. Its path is in the arena of the Baseline that holds it
// (Baseline::path), so a record means nothing outside its baseline.
struct BaselineRecord {
  ContentHash hash{};  // all zero for a directory
  uint64_t size = 0;
  SideStamp a;
  SideStamp b;
  EntryKind kind = EntryKind::kFile;

 private:
  friend class Baseline;
  // Beside `kind`, in what would be padding: 96 bytes in all.
  uint32_t path_offset_ = 0;
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

  // The path of `record`, one of records(); valid as long as this baseline.
  std::string_view path(const BaselineRecord& record) const {
    return paths_.Get(record.path_offset_);
  }
  std::string_view path(size_t index) const { return path(records_[index]); }

  // The record of `path`, or null. O(log n).
  const BaselineRecord* Find(std::string_view path) const;

  // Appends a record whose path sorts after every path already held (the decoders and the
  // new baseline's merge produce them in order). kInvalidArgument when it does not, or when
  // the path is too long for the arena.
  Status Append(std::string_view path, const BaselineRecord& record);
  // Room for `n` records, so that appending them allocates the vector once.
  void Reserve(size_t n) { records_.reserve(n); }

  // Replaces the records with (path, record) pairs in any order; sorts them by path. Two
  // records for one path are kInvalidArgument. For tests and small baselines: it holds
  // every path twice while it works.
  Status SetRecords(std::vector<std::pair<std::string, BaselineRecord>> records);

  // The format of the file this baseline was read from; kBaselineFormatVersion for one made
  // in memory. A sync that finds an older one rewrites the file even when nothing changed.
  uint32_t format_version() const { return format_version_; }
  void set_format_version(uint32_t version) { format_version_ = version; }

 private:
  std::string id_a_;
  std::string id_b_;
  std::vector<BaselineRecord> records_;
  PathArena paths_;
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

// Is handed the records of a baseline one by one, in path order; its error stops the walk.
using BaselineRecordVisitor =
    std::function<Status(std::string_view path, const BaselineRecord& record)>;
// Hands every record of a baseline to the visitor, in path order, each time it is called (the
// same records every time): a baseline that need not exist whole in memory.
using BaselineRecordSource = std::function<Status(const BaselineRecordVisitor& visit)>;

// The records of `baseline` as a source; `baseline` must outlive it.
BaselineRecordSource RecordsOf(const Baseline& baseline);

// Replaces the file at `path` atomically and durably (temp, fsync, rename, fsync the
// directory), in the current format. The directory must exist. The source is run twice: once
// to count the records (the header holds the count), once to write them, so the records are
// never all in memory at once. A source that is out of order, or gives another count the
// second time, is kInternal and leaves the old file.
Status SaveBaseline(Env* env, const std::string& path, std::string_view id_a, std::string_view id_b,
                    const BaselineRecordSource& records);
Status SaveBaseline(Env* env, const std::string& path, const Baseline& baseline);

// OK when `baseline` belongs to the pair (id_a, id_b); else kRefused saying which roots it
// names and that --force starts over.
Status CheckBaselineRoots(const Baseline& baseline, std::string_view id_a, std::string_view id_b,
                          std::string_view where);

}  // namespace ferry::sync

#endif  // FERRY_SYNC_BASELINE_H_
