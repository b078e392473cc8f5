#include "sync/baseline.h"

#include <algorithm>
#include <charconv>

#include "base/file_util.h"
#include "sync/baseline_binary.h"

namespace ferry::sync {
namespace {

constexpr std::string_view kMagic = "ferry-sync-baseline 1";
// A format 1 baseline of 100,000 files is about 15 MB; ten times the largest tree anyone
// syncs.
constexpr uint64_t kMaxBaselineBytes = uint64_t{2} << 30;

// '%', control bytes, space and DEL as %XX, so a path or id is one space-free token.
void AppendEscaped(std::string* out, std::string_view text) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  for (unsigned char c : text) {
    if (c == '%' || c <= 0x20 || c == 0x7f) {
      out->push_back('%');
      out->push_back(kDigits[c >> 4]);
      out->push_back(kDigits[c & 0xf]);
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
}

bool Unescape(std::string_view text, std::string* out) {
  out->clear();
  out->reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out->push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return false;
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
    if (ec != std::errc() || end != text.data() + i + 3) return false;
    out->push_back(static_cast<char>(value));
    i += 2;
  }
  return true;
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

void AppendNumber(std::string* out, uint64_t v, int base = 10) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, base);
  out->append(buf, end);
}
void AppendSigned(std::string* out, int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, end);
}

// Splits `line` at single spaces into exactly `n` fields.
bool SplitFields(std::string_view line, std::string_view* fields, size_t n) {
  size_t start = 0;
  for (size_t i = 0; i < n; ++i) {
    size_t space = i + 1 == n ? line.size() : line.find(' ', start);
    if (space == std::string_view::npos) return false;
    fields[i] = line.substr(start, space - start);
    start = space + 1;
  }
  return fields[n - 1].find(' ') == std::string_view::npos;
}

template <typename T>
bool ParseNumber(std::string_view text, T* out, int base = 10) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out, base);
  return ec == std::errc() && end == text.data() + text.size();
}

Status Damaged(std::string_view where, size_t line_no, std::string_view what) {
  return Status::Corruption("sync baseline " + std::string(where) + " line " +
                            std::to_string(line_no) + ": " + std::string(what) +
                            "; remove the file to start over with a first sync (nothing is "
                            "deleted without a baseline)");
}

}  // namespace

std::string_view SideName(Side side) { return side == Side::kA ? "a" : "b"; }

const BaselineRecord* Baseline::Find(std::string_view path) const {
  auto it = std::lower_bound(
      records_.begin(), records_.end(), path,
      [this](const BaselineRecord& r, std::string_view p) { return this->path(r) < p; });
  if (it == records_.end() || this->path(*it) != path) return nullptr;
  return &*it;
}

Status Baseline::Append(std::string_view path, const BaselineRecord& record) {
  if (!records_.empty() && !(this->path(records_.back()) < path)) {
    return Status::InvalidArgument("sync baseline: '" + std::string(path) +
                                   "' does not sort after '" +
                                   std::string(this->path(records_.back())) + "'");
  }
  FERRY_ASSIGN_OR_RETURN(uint32_t offset, paths_.Add(path));
  records_.push_back(record);
  records_.back().path_offset_ = offset;
  return Status::OK();
}

Status Baseline::SetRecords(std::vector<std::pair<std::string, BaselineRecord>> records) {
  std::sort(records.begin(), records.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  for (size_t i = 1; i < records.size(); ++i) {
    if (records[i].first == records[i - 1].first) {
      return Status::InvalidArgument("sync baseline: two records for '" + records[i].first + "'");
    }
  }
  records_.clear();
  paths_ = PathArena();
  records_.reserve(records.size());
  for (const auto& [path, record] : records) FERRY_RETURN_IF_ERROR(Append(path, record));
  return Status::OK();
}

std::string BaselineFileName(std::string_view id_a, std::string_view id_b) {
  std::string joined(id_a);
  joined += '\n';
  joined += id_b;
  return ContentHashHex(HashBytes(joined)).substr(0, 16) + ".baseline";
}

std::string SerializeBaseline(const Baseline& baseline) { return EncodeBaselineV2(baseline); }

std::string SerializeBaselineV1Text(const Baseline& baseline) {
  std::string out;
  out.reserve(64 + baseline.size() * 160);
  out += kMagic;
  out += "\na ";
  AppendEscaped(&out, baseline.id_a());
  out += "\nb ";
  AppendEscaped(&out, baseline.id_b());
  out += '\n';
  for (const BaselineRecord& r : baseline.records()) {
    out += KindLetter(r.kind);
    out += ' ';
    out += r.kind == EntryKind::kDir ? "-" : ContentHashHex(r.hash);
    out += ' ';
    AppendNumber(&out, r.size);
    for (const SideStamp* s : {&r.a, &r.b}) {
      out += ' ';
      AppendSigned(&out, s->mtime_ns);
      out += ' ';
      AppendNumber(&out, s->inode);
      out += ' ';
      AppendNumber(&out, s->mode, 8);
    }
    out += ' ';
    AppendEscaped(&out, baseline.path(r));
    out += '\n';
  }
  out += "end ";
  AppendNumber(&out, baseline.size());
  out += '\n';
  return out;
}

namespace {

// Format 1, the text form.
Result<Baseline> ParseBaselineV1Text(std::string_view text, std::string_view where) {
  size_t pos = 0;
  size_t line_no = 0;
  auto next_line = [&](std::string_view* line) {
    if (pos >= text.size()) return false;
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) return false;  // every line ends with '\n'
    *line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    return true;
  };
  std::string_view line;
  if (!next_line(&line) || line != kMagic) {
    return Damaged(where, 1, "not a ferry sync baseline (expected '" + std::string(kMagic) + "')");
  }
  std::string ids[2];
  for (int i = 0; i < 2; ++i) {
    std::string_view prefix = i == 0 ? "a " : "b ";
    if (!next_line(&line) || !line.starts_with(prefix) || !Unescape(line.substr(2), &ids[i])) {
      return Damaged(where, line_no,
                     "expected the replica id line '" + std::string(prefix) + "<id>'");
    }
  }
  Baseline baseline(ids[0], ids[1]);
  baseline.set_format_version(1);
  std::string path;
  while (true) {
    if (!next_line(&line)) return Damaged(where, line_no + 1, "truncated (no 'end' line)");
    if (line.starts_with("end ")) {
      size_t count = 0;
      if (!ParseNumber(line.substr(4), &count) || count != baseline.size()) {
        return Damaged(where, line_no, "the record count does not match the 'end' line");
      }
      if (pos != text.size()) return Damaged(where, line_no + 1, "text after the 'end' line");
      break;
    }
    std::string_view f[10];
    if (!SplitFields(line, f, 10) || f[0].size() != 1) {
      return Damaged(where, line_no, "expected 10 fields");
    }
    BaselineRecord r;
    switch (f[0][0]) {
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
        return Damaged(where, line_no, "unknown kind '" + std::string(f[0]) + "'");
    }
    bool hash_ok = r.kind == EntryKind::kDir ? f[1] == "-" : ParseContentHashHex(f[1], &r.hash);
    bool ok = hash_ok && ParseNumber(f[2], &r.size) && ParseNumber(f[3], &r.a.mtime_ns) &&
              ParseNumber(f[4], &r.a.inode) && ParseNumber(f[5], &r.a.mode, 8) &&
              ParseNumber(f[6], &r.b.mtime_ns) && ParseNumber(f[7], &r.b.inode) &&
              ParseNumber(f[8], &r.b.mode, 8) && Unescape(f[9], &path) &&
              IsValidReplicaPath(path) && path.size() <= PathArena::kMaxPathBytes;
    if (!ok) return Damaged(where, line_no, "a field is malformed");
    if (!baseline.empty() && !(baseline.path(baseline.size() - 1) < path)) {
      return Damaged(where, line_no, "records are not sorted by path");
    }
    FERRY_RETURN_IF_ERROR(baseline.Append(path, r));  // cannot fail: checked just above
  }
  return baseline;
}

}  // namespace

Result<Baseline> ParseBaseline(std::string_view bytes, std::string_view where) {
  if (bytes.starts_with(kBaselineMagicV2)) {
    return DecodeBaselineV2(bytes, nullptr, bytes.size(), where);
  }
  return ParseBaselineV1Text(bytes, where);
}

Result<std::optional<Baseline>> LoadBaseline(Env* env, const std::string& path) {
  Result<std::unique_ptr<SequentialFile>> file = env->NewSequentialFile(path);
  if (!file.ok()) {
    if (file.status().IsNotFound()) return std::optional<Baseline>();
    return file.status();
  }
  Result<FileInfo> info = env->Stat(path);
  uint64_t size_hint = info.ok() ? info->size : 0;  // only bounds a reservation
  // Enough to tell the formats apart by their first line.
  std::string head(kBaselineMagicV2.size(), '\0');
  size_t got = 0;
  while (got < head.size()) {
    FERRY_ASSIGN_OR_RETURN(size_t n, (*file)->Read(head.data() + got, head.size() - got));
    if (n == 0) break;
    got += n;
  }
  head.resize(got);
  if (head == kBaselineMagicV2) {
    FERRY_ASSIGN_OR_RETURN(Baseline baseline, DecodeBaselineV2(head, file->get(), size_hint, path));
    return std::optional<Baseline>(std::move(baseline));
  }
  // Format 1 (or not a baseline at all): text, read whole; it is rewritten as format 2 by
  // the sync that loaded it.
  file->reset();
  FERRY_ASSIGN_OR_RETURN(std::string text, ReadFileToString(env, path, kMaxBaselineBytes));
  FERRY_ASSIGN_OR_RETURN(Baseline baseline, ParseBaselineV1Text(text, path));
  return std::optional<Baseline>(std::move(baseline));
}

BaselineRecordSource RecordsOf(const Baseline& baseline) {
  return [&baseline](const BaselineRecordVisitor& visit) {
    for (const BaselineRecord& r : baseline.records()) {
      FERRY_RETURN_IF_ERROR(visit(baseline.path(r), r));
    }
    return Status::OK();
  };
}

Status SaveBaseline(Env* env, const std::string& path, std::string_view id_a, std::string_view id_b,
                    const BaselineRecordSource& records) {
  // Counted before the temp file exists: a source that fails fails here, leaving nothing.
  uint64_t count = 0;
  FERRY_RETURN_IF_ERROR(records([&](std::string_view, const BaselineRecord&) {
    ++count;
    return Status::OK();
  }));
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFileWriter> out,
                         AtomicFileWriter::Open(env, path, 0600));
  FERRY_RETURN_IF_ERROR(EncodeBaselineV2(
      id_a, id_b, count, records, [&](std::string_view piece) { return out->Append(piece); }));
  return out->Commit();
}

Status SaveBaseline(Env* env, const std::string& path, const Baseline& baseline) {
  return SaveBaseline(env, path, baseline.id_a(), baseline.id_b(), RecordsOf(baseline));
}

Status CheckBaselineRoots(const Baseline& baseline, std::string_view id_a, std::string_view id_b,
                          std::string_view where) {
  if (baseline.id_a() == id_a && baseline.id_b() == id_b) return Status::OK();
  return Status::Refused("sync baseline " + std::string(where) + " belongs to " + baseline.id_a() +
                         " and " + baseline.id_b() + ", not to " + std::string(id_a) + " and " +
                         std::string(id_b) +
                         "; check the roots, or pass --force to start over with a first sync");
}

}  // namespace ferry::sync
