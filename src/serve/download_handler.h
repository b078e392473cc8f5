// ServeFileDownload: answers a download of one served file (a table's file or one part), per
// docs/PROTOCOL.md: 200 with the bytes, `ETag: "<md5>"` and 304 for a matching If-None-Match,
// a single `Range: bytes=a-b` (also "a-" and "-n") as 206 with Content-Range, 416 with
// "Content-Range: bytes */<size>" when the range starts past the end. A multi-range request is
// answered 200 with the whole file (a client may always ignore partial content).
//
// Consistency (the server's promise that a client never gets mixed bytes):
// - The file is opened once, through the Env of `digests` (Env::NewRandomAccessFile: no
//   symlink followed; pread and fstat on the real disk) and its Stat() must match the version whose
//   md5 the ETag advertises; if it does not (replaced in between), the md5 is recomputed once, then
//   503 with Retry-After so the client retries.
// - The descriptor stays open for the whole response: a file replaced by rename keeps
//   streaming the old inode, so the client completes with the old bytes it was promised.
// - After every chunk read, the open file's Stat() is compared with the advertised version again; a
// file
//   modified in place (size or mtime changed) aborts the connection so the client fails
//   cleanly instead of receiving a mix of versions.
// Memory stays bounded: one kChunkBytes buffer per in-flight download.
//
// Thread-safety: called on httplib worker threads; `digests` must be thread-safe.
#ifndef FERRY_SERVE_DOWNLOAD_HANDLER_H_
#define FERRY_SERVE_DOWNLOAD_HANDLER_H_

#include <httplib.h>

#include <cstdint>
#include <optional>
#include <string>

#include "serve/md5_index.h"

namespace ferry::serve {

inline constexpr size_t kChunkBytes = 512 * 1024;

struct ByteRange {
  uint64_t first = 0;
  uint64_t last = 0;  // inclusive
};

enum class RangeOutcome { kNone, kSatisfiable, kUnsatisfiable, kIgnored };

// Interprets a Range header value against a file of `size` bytes. kNone: no header;
// kIgnored: a form ferry answers with the whole file (several ranges, another unit).
RangeOutcome ParseRangeHeader(const std::string& value, uint64_t size, ByteRange* range);

// True when an If-None-Match value ("*", or a list of possibly weak tags) matches `md5`.
bool IfNoneMatchMatches(const std::string& value, const std::string& md5);

void ServeFileDownload(const httplib::Request& req, httplib::Response& res, const std::string& path,
                       FileDigests* digests);

}  // namespace ferry::serve

#endif  // FERRY_SERVE_DOWNLOAD_HANDLER_H_
