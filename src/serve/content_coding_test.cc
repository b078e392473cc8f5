#include "serve/content_coding.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "serve/content_decoding_test_util.h"

namespace ferry::serve {
namespace {

using testing::Gunzip;
using testing::Unbrotli;

bool AcceptsGzip(std::string_view accept) { return AcceptsCoding(accept, Coding::kGzip); }

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

TEST(ContentCodingTest, BrotliAndIdentityAreReadLikeGzip) {
  EXPECT_TRUE(AcceptsCoding("deflate, gzip, br, zstd", Coding::kBrotli));  // libcurl's list
  EXPECT_TRUE(AcceptsCoding("BR;q=0.1", Coding::kBrotli));
  EXPECT_TRUE(AcceptsCoding("*", Coding::kBrotli));
  EXPECT_FALSE(AcceptsCoding("gzip", Coding::kBrotli));
  EXPECT_FALSE(AcceptsCoding("br;q=0", Coding::kBrotli));
  EXPECT_FALSE(AcceptsCoding("*, br;q=0", Coding::kBrotli));
  EXPECT_TRUE(AcceptsCoding("", Coding::kIdentity));  // ferry always answers identity
}

TEST(ContentCodingTest, PreferredCodingIsTheHighestQValueThenTheSmallest) {
  EXPECT_EQ(PreferredCoding("deflate, gzip, br, zstd"), Coding::kBrotli);
  EXPECT_EQ(PreferredCoding("gzip"), Coding::kGzip);
  EXPECT_EQ(PreferredCoding("br"), Coding::kBrotli);
  EXPECT_EQ(PreferredCoding("gzip;q=1, br;q=0.5"), Coding::kGzip);
  EXPECT_EQ(PreferredCoding("gzip;q=0.5, br;q=0.5"), Coding::kBrotli);
  EXPECT_EQ(PreferredCoding("*"), Coding::kBrotli);
  EXPECT_EQ(PreferredCoding("*, br;q=0"), Coding::kGzip);
  EXPECT_EQ(PreferredCoding("identity, deflate, zstd"), Coding::kIdentity);
  EXPECT_EQ(PreferredCoding(""), Coding::kIdentity);
}

TEST(ContentCodingTest, BrotliRoundTripsSmallLargeAndEmptyText) {
  std::string markdown;
  for (int i = 0; i < 2000; ++i) markdown += "- item " + std::to_string(i) + ": keep the runbook\n";
  std::string large;  // over 1 MiB: the faster quality
  while (large.size() <= (size_t{1} << 20)) large += markdown;
  for (const std::string& text : {std::string(), std::string("# one line\n"), markdown, large}) {
    std::optional<std::string> br = Brotli(text);
    ASSERT_TRUE(br.has_value());
    EXPECT_EQ(Unbrotli(*br), text) << text.size() << " bytes";
    if (text.size() > 1000) {
      EXPECT_LT(br->size() * 10, text.size()) << text.size() << " bytes";
    }
  }
}

}  // namespace
}  // namespace ferry::serve
