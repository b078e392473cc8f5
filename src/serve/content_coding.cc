#include "serve/content_coding.h"

#include <brotli/encode.h>
#include <zlib.h>

#include <cctype>
#include <cstdlib>
#include <optional>

namespace ferry::serve {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// The q-value of one coding's parameters (";q=0.5"); 1 when absent, 0 when unreadable (a
// client that garbles its weights gets identity, which every client reads).
double QValue(std::string_view params) {
  while (!params.empty()) {
    const size_t semi = params.find(';');
    std::string_view p = Trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    if (p.size() >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
      const std::string value(Trim(p.substr(2)));
      char* end = nullptr;
      const double q = std::strtod(value.c_str(), &end);
      return end != nullptr && *end == '\0' && !value.empty() ? q : 0.0;
    }
  }
  return 1.0;
}

bool NamesCoding(std::string_view token, Coding coding) {
  switch (coding) {
    case Coding::kGzip:
      return EqualsNoCase(token, "gzip") || EqualsNoCase(token, "x-gzip");
    case Coding::kBrotli:
      return EqualsNoCase(token, "br");
    case Coding::kIdentity:
      return EqualsNoCase(token, "identity");
  }
  return false;
}

// The q-value the client gives `coding`: named, else `*`, else -1 (not accepted at all).
double QValueOf(std::string_view accept_encoding, Coding coding) {
  double named = -1;
  double star = -1;
  while (!accept_encoding.empty()) {
    const size_t comma = accept_encoding.find(',');
    std::string_view item = accept_encoding.substr(0, comma);
    accept_encoding =
        comma == std::string_view::npos ? std::string_view() : accept_encoding.substr(comma + 1);
    const size_t semi = item.find(';');
    const std::string_view token = Trim(item.substr(0, semi));
    const double q = semi == std::string_view::npos ? 1.0 : QValue(item.substr(semi + 1));
    if (NamesCoding(token, coding)) named = q;
    if (token == "*") star = q;
  }
  // A coding named explicitly overrides `*` (so "*, gzip;q=0" refuses gzip).
  return named >= 0 ? named : star;
}

}  // namespace

std::string_view CodingName(Coding coding) {
  switch (coding) {
    case Coding::kGzip:
      return "gzip";
    case Coding::kBrotli:
      return "br";
    case Coding::kIdentity:
      break;
  }
  return "identity";
}

bool AcceptsCoding(std::string_view accept_encoding, Coding coding) {
  if (coding == Coding::kIdentity) return true;
  return QValueOf(accept_encoding, coding) > 0;
}

Coding PreferredCoding(std::string_view accept_encoding) {
  const double br = QValueOf(accept_encoding, Coding::kBrotli);
  const double gzip = QValueOf(accept_encoding, Coding::kGzip);
  if (br > 0 && br >= gzip) return Coding::kBrotli;
  if (gzip > 0) return Coding::kGzip;
  return Coding::kIdentity;
}

std::optional<std::string> Brotli(std::string_view text, BrotliCost cost) {
  int quality = 1;
  if (cost == BrotliCost::kOncePerVersion) {
    quality = text.size() <= (size_t{1} << 20) ? BROTLI_MAX_QUALITY : 5;
  }
  size_t size = BrotliEncoderMaxCompressedSize(text.size());
  if (size == 0) size = text.size() + 1024;  // 0: too large to bound; never for a bundle
  std::string out(size, '\0');
  if (BrotliEncoderCompress(quality, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, text.size(),
                            reinterpret_cast<const uint8_t*>(text.data()), &size,
                            reinterpret_cast<uint8_t*>(out.data())) == BROTLI_FALSE) {
    return std::nullopt;  // out of memory: the caller answers in another coding
  }
  out.resize(size);
  return out;
}

DeflatePiece DeflateAsPiece(std::string_view text, bool last) {
  DeflatePiece piece;
  piece.size = text.size();
  piece.crc = static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(text.data()), static_cast<uInt>(text.size())));
  z_stream z{};
  // Raw deflate (negative window bits): the gzip header and trailer are written once, around
  // all the pieces. Level 6, zlib's default: a manifest is compressed once per version.
  if (deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) return piece;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  const int flush = last ? Z_FINISH : Z_SYNC_FLUSH;
  char buf[64 * 1024];
  int rc = Z_OK;
  do {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof(buf);
    rc = deflate(&z, flush);
    piece.blocks.append(buf, sizeof(buf) - z.avail_out);
  } while (rc == Z_OK && (z.avail_out == 0 || (last && rc != Z_STREAM_END)));
  deflateEnd(&z);
  return piece;
}

std::string GzipFromPieces(const std::vector<const DeflatePiece*>& pieces) {
  // RFC 1952 header: magic, CM=deflate, no flags, no mtime, no extra flags, OS unknown.
  std::string out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10);
  uLong crc = crc32(0L, Z_NULL, 0);
  uint64_t size = 0;
  for (const DeflatePiece* p : pieces) {
    out += p->blocks;
    crc = crc32_combine(crc, p->crc, static_cast<z_off_t>(p->size));
    size += p->size;
  }
  for (uint64_t v : {static_cast<uint64_t>(crc), size}) {
    for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
  }
  return out;
}

std::string Gzip(std::string_view text) {
  const DeflatePiece piece = DeflateAsPiece(text, /*last=*/true);
  return GzipFromPieces({&piece});
}

}  // namespace ferry::serve
