#include "sync/baseline_binary.h"

#include <algorithm>
#include <cstring>

namespace ferry::sync {
namespace {

constexpr std::string_view kEnd = "end";
constexpr size_t kReadChunk = size_t{1} << 20;
// Smaller than a read piece: a save runs at the peak of a sync (both replicas' observations
// alive), and 256 KiB pieces are still few writes (36 for 100,000 files).
constexpr size_t kWriteChunk = size_t{256} << 10;
// No path segment list nor replica id is anywhere near this long (PATH_MAX is 4096); a
// larger length is damage, refused before it is allocated.
constexpr uint32_t kMaxTextBytes = 1 << 16;
// The fewest bytes a record can take (a directory with a one-byte name).
constexpr uint64_t kMinRecordBytes = 1 + 4 + 4 + 1 + 8 + 2 * (8 + 8 + 4);

constexpr uint64_t kFnvOffset = 14695981039346656037ULL;
constexpr uint64_t kFnvPrime = 1099511628211ULL;

uint64_t Fnv1a(uint64_t h, const char* data, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= kFnvPrime;
  }
  return h;
}

template <typename T>
void PutLittle(std::string* out, T value) {
  auto v = static_cast<uint64_t>(value);
  for (size_t i = 0; i < sizeof(T); ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

template <typename T>
T GetLittle(const char* p) {
  uint64_t v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) v |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return static_cast<T>(v);
}

char KindLetter(EntryKind kind) {
  switch (kind) {
    case EntryKind::kFile:
      return 'f';
    case EntryKind::kSymlink:
      return 'l';
    case EntryKind::kDir:
      return 'd';
  }
  return 'f';
}

// Hands out the file's bytes in order from a 1 MiB buffer, checksumming what it hands out
// while `checksumming` is set.
class Reader {
 public:
  Reader(std::string_view head, SequentialFile* file) : file_(file), buf_(head) {}

  // Copies the next n bytes to dst; false at the end of the file (or on an I/O error, then
  // io_status() says which).
  bool Take(char* dst, size_t n) {
    while (n > 0) {
      if (pos_ == buf_.size() && !Refill()) return false;
      size_t k = std::min(n, buf_.size() - pos_);
      std::memcpy(dst, buf_.data() + pos_, k);
      if (checksumming_) sum_ = Fnv1a(sum_, buf_.data() + pos_, k);
      pos_ += k;
      dst += k;
      n -= k;
    }
    return true;
  }
  template <typename T>
  bool TakeLittle(T* out) {
    char raw[sizeof(T)];
    if (!Take(raw, sizeof raw)) return false;
    *out = GetLittle<T>(raw);
    return true;
  }
  bool AtEnd() { return pos_ == buf_.size() && !Refill(); }

  void StopChecksum() { checksumming_ = false; }
  uint64_t checksum() const { return sum_; }
  const Status& io_status() const { return io_; }

 private:
  bool Refill() {
    if (file_ == nullptr || !io_.ok()) return false;
    buf_.resize(kReadChunk);
    Result<size_t> n = file_->Read(buf_.data(), buf_.size());
    if (!n.ok()) {
      io_ = n.status();
      return false;
    }
    buf_.resize(*n);
    pos_ = 0;
    return *n > 0;
  }

  SequentialFile* const file_;
  std::string buf_;
  size_t pos_ = 0;
  bool checksumming_ = true;
  uint64_t sum_ = kFnvOffset;
  Status io_;
};

Status Damaged(std::string_view where, std::string_view at, std::string_view what) {
  return Status::Corruption("sync baseline " + std::string(where) + " " + std::string(at) + ": " +
                            std::string(what) +
                            "; remove the file to start over with a first sync (nothing is "
                            "deleted without a baseline)");
}

}  // namespace

Status EncodeBaselineV2(std::string_view id_a, std::string_view id_b, uint64_t count,
                        const BaselineRecordSource& records,
                        const std::function<Status(std::string_view)>& sink) {
  std::string out;
  out.reserve(kWriteChunk + 4096);
  uint64_t sum = kFnvOffset;
  // Hands `out` to the sink once it holds a chunk's worth (always, with `all`), checksumming
  // what it hands over.
  auto flush = [&](bool all) -> Status {
    if (!all && out.size() < kWriteChunk) return Status::OK();
    sum = Fnv1a(sum, out.data(), out.size());
    Status s = sink(out);
    out.clear();
    return s;
  };
  out += kBaselineMagicV2;
  for (std::string_view id : {id_a, id_b}) {
    PutLittle<uint32_t>(&out, id.size());
    out += id;
  }
  PutLittle<uint64_t>(&out, count);
  // The previous path, for the shared prefix. A copy: the source's views need not outlive
  // the visit.
  std::string previous;
  uint64_t written = 0;
  FERRY_RETURN_IF_ERROR(records([&](std::string_view path, const BaselineRecord& r) -> Status {
    if (written > 0 && !(previous < path)) {
      return Status::Internal("sync baseline: records out of order at '" + std::string(path) + "'");
    }
    if (++written > count) return Status::Internal("sync baseline: more records than counted");
    if (path.size() > PathArena::kMaxPathBytes) {  // LoadBaseline would refuse the file
      return Status::InvalidArgument("sync baseline: a path of " + std::to_string(path.size()) +
                                     " bytes is too long to record");
    }
    size_t shared = 0;
    size_t limit = std::min(previous.size(), path.size());
    while (shared < limit && previous[shared] == path[shared]) ++shared;
    out += KindLetter(r.kind);
    PutLittle<uint32_t>(&out, shared);
    PutLittle<uint32_t>(&out, path.size() - shared);
    out.append(path.substr(shared));
    if (r.kind != EntryKind::kDir) out.append(reinterpret_cast<const char*>(r.hash.data()), 32);
    PutLittle<uint64_t>(&out, r.size);
    for (const SideStamp* s : {&r.a, &r.b}) {
      PutLittle<int64_t>(&out, s->mtime_ns);
      PutLittle<uint64_t>(&out, s->inode);
      PutLittle<uint32_t>(&out, s->mode);
    }
    previous.assign(path);
    return flush(false);
  }));
  if (written != count) {
    return Status::Internal("sync baseline: " + std::to_string(written) + " records, " +
                            std::to_string(count) + " counted");
  }
  FERRY_RETURN_IF_ERROR(flush(true));
  out += kEnd;
  PutLittle<uint64_t>(&out, count);
  PutLittle<uint64_t>(&out, sum);
  return sink(out);
}

std::string EncodeBaselineV2(const Baseline& baseline) {
  std::string whole;
  Status s = EncodeBaselineV2(baseline.id_a(), baseline.id_b(), baseline.size(),
                              RecordsOf(baseline), [&](std::string_view piece) {
                                whole += piece;
                                return Status::OK();
                              });
  (void)s;  // neither the sink above nor a baseline's own records fail
  return whole;
}

Result<Baseline> DecodeBaselineV2(std::string_view head, SequentialFile* file, uint64_t size_hint,
                                  std::string_view where) {
  Reader in(head, file);
  auto damaged = [&](std::string_view at, std::string_view what) -> Status {
    if (!in.io_status().ok()) return in.io_status();
    return Damaged(where, at, what);
  };
  std::string magic(kBaselineMagicV2.size(), '\0');
  if (!in.Take(magic.data(), magic.size()) || magic != kBaselineMagicV2) {
    return damaged("header", "not a format 2 ferry sync baseline");
  }
  std::string ids[2];
  for (std::string& id : ids) {
    uint32_t n = 0;
    if (!in.TakeLittle(&n) || n > kMaxTextBytes) return damaged("header", "bad replica id");
    id.resize(n);
    if (!in.Take(id.data(), n)) return damaged("header", "truncated replica id");
  }
  uint64_t count = 0;
  if (!in.TakeLittle(&count)) return damaged("header", "truncated record count");
  Baseline baseline(std::move(ids[0]), std::move(ids[1]));
  uint64_t plausible = size_hint == 0 ? uint64_t{1} << 16 : size_hint / kMinRecordBytes + 1;
  baseline.Reserve(static_cast<size_t>(std::min(count, plausible)));
  // The path being decoded. It still holds the previous record's path when a record starts, so
  // resizing it keeps the `shared` prefix.
  std::string path;
  for (uint64_t i = 0; i < count; ++i) {
    // Named only when something is wrong: a no-op sync decodes 100,000 of these.
    auto at = [i] { return "record " + std::to_string(i + 1); };
    BaselineRecord r;
    char kind = 0;
    uint32_t shared = 0;
    uint32_t rest = 0;
    if (!in.Take(&kind, 1) || !in.TakeLittle(&shared) || !in.TakeLittle(&rest)) {
      return damaged(at(), "truncated");
    }
    switch (kind) {
      case 'f':
        r.kind = EntryKind::kFile;
        break;
      case 'l':
        r.kind = EntryKind::kSymlink;
        break;
      case 'd':
        r.kind = EntryKind::kDir;
        break;
      default:
        return damaged(at(), "unknown kind");
    }
    if (shared > path.size() || rest > kMaxTextBytes || shared + rest > PathArena::kMaxPathBytes) {
      return damaged(at(), "bad path length");
    }
    std::string_view previous = i == 0 ? std::string_view() : baseline.path(baseline.size() - 1);
    path.resize(shared + rest);
    bool ok = in.Take(path.data() + shared, rest) &&
              (r.kind == EntryKind::kDir ||
               in.Take(reinterpret_cast<char*>(r.hash.data()), r.hash.size())) &&
              in.TakeLittle(&r.size);
    for (SideStamp* s : {&r.a, &r.b}) {
      ok = ok && in.TakeLittle(&s->mtime_ns) && in.TakeLittle(&s->inode) && in.TakeLittle(&s->mode);
    }
    if (!ok) return damaged(at(), "truncated");
    if (!IsValidReplicaPath(path)) return damaged(at(), "the path is not a relative path");
    if (i > 0 && !(previous < path)) return damaged(at(), "records are not sorted by path");
    FERRY_RETURN_IF_ERROR(baseline.Append(path, r));  // cannot fail: checked just above
  }
  uint64_t sum = in.checksum();
  in.StopChecksum();
  char end[3];
  uint64_t end_count = 0;
  uint64_t end_sum = 0;
  if (!in.Take(end, sizeof end) || std::string_view(end, sizeof end) != kEnd ||
      !in.TakeLittle(&end_count) || !in.TakeLittle(&end_sum)) {
    return damaged("trailer", "truncated (no 'end')");
  }
  if (end_count != count) return damaged("trailer", "the record count does not match 'end'");
  if (end_sum != sum) return damaged("trailer", "checksum mismatch");
  if (!in.AtEnd()) return damaged("trailer", "bytes after 'end'");
  if (!in.io_status().ok()) return in.io_status();
  return baseline;
}

}  // namespace ferry::sync
