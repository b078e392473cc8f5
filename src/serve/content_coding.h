// Content codings for `ferry serve`'s text bodies (the manifest and memory bundles;
// docs/PROTOCOL.md "Compression"): which coding a client accepts, and gzip bodies assembled
// from separately compressed pieces.
//
// Why pieces: a manifest body is the same for every request of one stack version but for its
// `server_time`, which sits in the middle. Compressing ~1 MB per request would cost more than
// the rest of the request, so the body's head and tail are compressed once (raw deflate,
// ended with a sync flush so the next piece starts on a byte boundary; only the tail sets the
// final-block bit) and each request compresses only the few bytes of its time. A gzip member
// is its header, the deflate blocks, the CRC-32 of the whole uncompressed text (combined from
// the pieces' CRCs with crc32_combine) and its length mod 2^32 (RFC 1952); no piece refers back
// into another, so the concatenation is one valid deflate stream.
//
// Thread-safety: pure functions and immutable values.
#ifndef FERRY_SERVE_CONTENT_CODING_H_
#define FERRY_SERVE_CONTENT_CODING_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::serve {

// True when an Accept-Encoding value allows gzip: a `gzip`, `x-gzip` or `*` coding with a
// q-value above 0 (RFC 9110 12.5.3; tokens case-insensitive). An empty value allows none.
bool AcceptsGzip(std::string_view accept_encoding);

// One piece of a gzip body: raw deflate blocks of `size` bytes of text whose CRC-32 is `crc`.
struct DeflatePiece {
  std::string blocks;
  uint32_t crc = 0;
  uint64_t size = 0;
};

// Compresses `text` as one piece; `last` sets the final-block bit (the body's last piece),
// otherwise the blocks end with a sync flush.
DeflatePiece DeflateAsPiece(std::string_view text, bool last);

// The gzip member made of `pieces` in order (the last one made with last = true).
std::string GzipFromPieces(const std::vector<const DeflatePiece*>& pieces);

// `text` gzip-compressed in one piece.
std::string Gzip(std::string_view text);

}  // namespace ferry::serve

#endif  // FERRY_SERVE_CONTENT_CODING_H_
