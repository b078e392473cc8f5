#include "serve/download_handler.h"

#include <memory>

#include "base/log.h"
#include "serve/request_log.h"
#include "serve/responses.h"

namespace ferry::serve {
namespace {

bool ParseUint(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return std::string();
  size_t e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

// The open file being streamed; closed when httplib releases the provider.
struct OpenFile {
  std::unique_ptr<RandomAccessFile> file;
  FileVersion version;
  uint64_t offset = 0;  // of the first byte sent
  std::string path;
  std::string buffer;
};

// Opens `path` through `env` and checks it is the version `v` describes.
Result<std::unique_ptr<OpenFile>> OpenVersion(Env* env, const std::string& path,
                                              const FileVersion& v) {
  auto f = std::make_unique<OpenFile>();
  f->path = path;
  f->version = v;
  Result<std::unique_ptr<RandomAccessFile>> opened = env->NewRandomAccessFile(path);
  if (!opened.ok()) {
    const Status& s = opened.status();
    if (s.IsNotFound()) return Status::Unavailable(s.message());
    if (s.code() == StatusCode::kPermissionDenied) {
      return Status::PermissionDenied("refused: not a regular file");
    }
    return Status::IoError(s.message());
  }
  f->file = std::move(opened).value();
  Result<FileInfo> st = f->file->Stat();
  if (!st.ok()) return Status::IoError(st.status().message());
  if (!SameVersion(*st, v)) return Status::Unavailable("changed since it was hashed");
  return f;
}

}  // namespace

RangeOutcome ParseRangeHeader(const std::string& value, uint64_t size, ByteRange* range) {
  if (value.empty()) return RangeOutcome::kNone;
  const std::string v = Trim(value);
  if (v.rfind("bytes=", 0) != 0) return RangeOutcome::kIgnored;
  std::string spec = Trim(std::string_view(v).substr(6));
  if (spec.find(',') != std::string::npos) return RangeOutcome::kIgnored;
  size_t dash = spec.find('-');
  if (dash == std::string::npos) return RangeOutcome::kUnsatisfiable;
  const std::string a = Trim(std::string_view(spec).substr(0, dash));
  const std::string b = Trim(std::string_view(spec).substr(dash + 1));
  uint64_t first = 0;
  uint64_t last = 0;
  if (a.empty()) {  // suffix: the last b bytes
    uint64_t n = 0;
    if (!ParseUint(b, &n) || n == 0 || size == 0) return RangeOutcome::kUnsatisfiable;
    first = n >= size ? 0 : size - n;
    last = size - 1;
  } else {
    if (!ParseUint(a, &first)) return RangeOutcome::kUnsatisfiable;
    if (b.empty()) {
      last = size == 0 ? 0 : size - 1;
    } else if (!ParseUint(b, &last) || last < first) {
      return RangeOutcome::kUnsatisfiable;
    }
    if (first >= size) return RangeOutcome::kUnsatisfiable;
    if (last >= size) last = size - 1;
  }
  range->first = first;
  range->last = last;
  return RangeOutcome::kSatisfiable;
}

bool IfNoneMatchMatches(const std::string& value, const std::string& md5) {
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string::npos) comma = value.size();
    std::string tag = Trim(std::string_view(value).substr(start, comma - start));
    if (tag == "*") return true;
    if (tag.rfind("W/", 0) == 0) tag = tag.substr(2);
    if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"') {
      tag = tag.substr(1, tag.size() - 2);
    }
    if (!tag.empty() && tag == md5) return true;
    start = comma + 1;
  }
  return false;
}

void ServeFileDownload(const httplib::Request& req, httplib::Response& res, const std::string& path,
                       FileDigests* digests) {
  // The version we advertise and the descriptor we stream must be the same file; a replace
  // between hashing and opening is retried once with the new version's md5.
  std::unique_ptr<OpenFile> file;
  for (int attempt = 0; attempt < 2 && !file; ++attempt) {
    Result<FileVersion> v = digests->Current(path);
    if (!v.ok()) {
      // The catalog promised this file; its absence is transient for the client. The
      // detail names a server path, so it goes to the log, never to the client.
      Status s = v.status();
      if (s.IsNotFound() || s.code() == StatusCode::kUnavailable) {
        s = Status::Unavailable("the file is being replaced; try again");
      } else if (s.code() == StatusCode::kPermissionDenied) {
        s = Status::PermissionDenied("refused");
      } else {
        spdlog::error("serve: {}", s.message());
        s = Status::Unavailable("the file cannot be read right now; try again");
      }
      return SetStatusError(res, s);
    }
    Result<std::unique_ptr<OpenFile>> opened = OpenVersion(digests->env(), path, *v);
    if (opened.ok()) {
      file = std::move(opened).value();
    } else if (opened.status().code() != StatusCode::kUnavailable || attempt == 1) {
      Status s = opened.status();
      if (s.code() == StatusCode::kUnavailable) {
        s = Status::Unavailable("the file is being replaced; try again");
      }
      if (s.code() == StatusCode::kIoError) {
        spdlog::error("serve: {}", s.message());
        s = Status::Unavailable("the file cannot be read right now; try again");
      }
      return SetStatusError(res, s);
    }
  }
  const FileVersion& v = file->version;
  res.set_header("ETag", "\"" + v.md5 + "\"");
  res.set_header("Accept-Ranges", "bytes");
  if (req.has_header("If-None-Match") &&
      IfNoneMatchMatches(req.get_header_value("If-None-Match"), v.md5)) {
    res.status = 304;
    return;
  }
  ByteRange range{0, v.size == 0 ? 0 : v.size - 1};
  uint64_t length = v.size;
  RangeOutcome outcome = ParseRangeHeader(req.get_header_value("Range"), v.size, &range);
  // ferry answers Range itself (httplib 0.11 does not bound ranges by the file size), so
  // httplib must not apply the request's ranges a second time.
  const_cast<httplib::Request&>(req).ranges.clear();
  if (outcome == RangeOutcome::kUnsatisfiable) {
    res.set_header("Content-Range", "bytes */" + std::to_string(v.size));
    return SetError(res, 416,
                    "range '" + req.get_header_value("Range") + "' is outside the file's " +
                        std::to_string(v.size) + " bytes");
  }
  if (outcome == RangeOutcome::kSatisfiable) {
    length = range.last - range.first + 1;
    res.status = 206;
    res.set_header("Content-Range", "bytes " + std::to_string(range.first) + "-" +
                                        std::to_string(range.last) + "/" + std::to_string(v.size));
  } else {
    res.status = 200;
    range.first = 0;
  }
  if (length == 0) {
    res.set_content("", "application/octet-stream");
    return;
  }
  file->offset = range.first;
  std::shared_ptr<OpenFile> shared(std::move(file));
  RequestLog::Current().streamed = true;
  res.set_content_provider(
      static_cast<size_t>(length), "application/octet-stream",
      [shared](size_t offset, size_t want, httplib::DataSink& sink) {
        OpenFile& f = *shared;
        if (f.buffer.empty()) f.buffer.resize(kChunkBytes);
        size_t n = want < kChunkBytes ? want : kChunkBytes;
        Result<size_t> got = f.file->ReadAt(f.offset + offset, f.buffer.data(), n);
        Result<FileInfo> st = f.file->Stat();
        if (!got.ok() || *got == 0 || !st.ok() || !SameVersion(*st, f.version)) {
          // Modified in place (or truncated) while streaming: these bytes may belong to
          // another version. Abort; the client sees a short body and retries.
          spdlog::warn("serve: {} changed while being downloaded; aborting that download", f.path);
          return false;
        }
        if (!sink.write(f.buffer.data(), *got)) return false;
        RequestLog::Current().streamed_bytes += *got;
        return true;
      });
}

}  // namespace ferry::serve
