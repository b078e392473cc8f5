// Content codings for `ferry serve`'s text bodies (the manifest and memory bundles;
// docs/PROTOCOL.md "Compression"): which coding a client accepts, gzip bodies assembled from
// separately compressed pieces, and brotli for bodies compressed once per version (bundles).
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
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::serve {

enum class Coding { kIdentity, kGzip, kBrotli };

// "identity", "gzip", "br": the Content-Encoding token (identity is never sent as a header).
std::string_view CodingName(Coding coding);

// True when an Accept-Encoding value allows `coding`: the coding's token (`gzip` or its alias
// `x-gzip`; `br`) or `*` with a q-value above 0 (RFC 9110 12.5.3; tokens case-insensitive; a
// coding named explicitly overrides `*`). An empty value allows none but identity, which is
// always allowed here (ferry never refuses a client for lack of a coding).
bool AcceptsCoding(std::string_view accept_encoding, Coding coding);

// The coding to answer with when the body exists as identity, gzip and brotli: the accepted
// one with the highest q-value; on a tie brotli, then gzip (smaller first); identity when the
// client accepts neither.
Coding PreferredCoding(std::string_view accept_encoding);

// How often a brotli body is made, which sets how hard the encoder works.
enum class BrotliCost {
  // Once per version, kept (bundles): quality 11 (the smallest output, ~0.5 MB/s) up to
  // 1 MiB of text, 5 above (tens of MB/s), so a 64 MiB bundle takes seconds, not minutes.
  kOncePerVersion,
  // On every request (the manifest for a client that takes brotli but not gzip): quality 1,
  // hundreds of MB/s, most of the saving on JSON.
  kPerRequest,
};

// `text` brotli-compressed (RFC 7932); nullopt when the encoder fails (out of memory).
std::optional<std::string> Brotli(std::string_view text,
                                  BrotliCost cost = BrotliCost::kOncePerVersion);

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
