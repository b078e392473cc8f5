#include "serve/content_coding.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

namespace ferry::serve {
namespace {

// Inflates a gzip member with zlib's own gzip reader, which checks the CRC-32 and the length.
std::string Gunzip(const std::string& gz) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 16 + 15), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  std::string out;
  char buf[4096];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof(buf);
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof(buf) - z.avail_out);
  }
  EXPECT_EQ(rc, Z_STREAM_END) << (z.msg != nullptr ? z.msg : "");
  EXPECT_EQ(z.avail_in, 0u) << "bytes after the gzip member";
  inflateEnd(&z);
  return out;
}

TEST(ContentCodingTest, AcceptsGzipReadsCodingsAndQValues) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("deflate, gzip, br, zstd"));  // libcurl's list
  EXPECT_TRUE(AcceptsGzip("GZIP;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("x-gzip"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("identity"));
  EXPECT_FALSE(AcceptsGzip("br"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip; q=0.0, br"));
  EXPECT_FALSE(AcceptsGzip("*, gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=nonsense"));
}

TEST(ContentCodingTest, GzipRoundTripsIncludingEmptyText) {
  std::string big;
  for (int i = 0; i < 20000; ++i) big += "{\"id\":\"table_" + std::to_string(i) + "\"},";
  for (const std::string& text : {std::string(), std::string("x"), big}) {
    const std::string gz = Gzip(text);
    EXPECT_EQ(gz.substr(0, 3), std::string("\x1f\x8b\x08", 3));
    EXPECT_EQ(Gunzip(gz), text);
  }
  EXPECT_LT(Gzip(big).size(), big.size() / 5);
}

// The manifest's case: head and tail compressed once, a different middle spliced in per
// request; each result is one valid gzip member of the whole text.
TEST(ContentCodingTest, PiecesSpliceIntoOneMemberOfTheWholeText) {
  std::string head = "{\"data_packages\":[";
  for (int i = 0; i < 5000; ++i) head += "{\"slug\":\"p" + std::to_string(i) + "\"},";
  head += "],\"server_time\":";
  const std::string tail = ",\"tables\":{}}";
  const DeflatePiece h = DeflateAsPiece(head, /*last=*/false);
  const DeflatePiece t = DeflateAsPiece(tail, /*last=*/true);
  for (const std::string middle : {"\"2026-12-02T18:00:00.000+00:00\"", "", "\"later\""}) {
    const DeflatePiece m = DeflateAsPiece(middle, /*last=*/false);
    EXPECT_EQ(Gunzip(GzipFromPieces({&h, &m, &t})), head + middle + tail) << middle;
  }
}

}  // namespace
}  // namespace ferry::serve
