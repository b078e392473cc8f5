// Test decoders for the codings `ferry serve` answers in: zlib's and brotli's own reference
// decoders, so a test checks a coded body against an implementation that is not ferry's.
#ifndef FERRY_SERVE_CONTENT_DECODING_TEST_UTIL_H_
#define FERRY_SERVE_CONTENT_DECODING_TEST_UTIL_H_

#include <brotli/decode.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <string>

namespace ferry::serve::testing {

// Inflates a gzip member with zlib's own gzip reader, which checks the CRC-32 and the length.
inline std::string Gunzip(const std::string& gz) {
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

// Decodes a brotli stream with the reference decoder; "<bad>" when it is not one whole stream.
inline std::string Unbrotli(const std::string& br) {
  BrotliDecoderState* d = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
  size_t in_left = br.size();
  const uint8_t* in = reinterpret_cast<const uint8_t*>(br.data());
  std::string out;
  BrotliDecoderResult rc = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT;
  while (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) {
    uint8_t buf[4096];
    size_t out_left = sizeof(buf);
    uint8_t* next = buf;
    rc = BrotliDecoderDecompressStream(d, &in_left, &in, &out_left, &next, nullptr);
    out.append(reinterpret_cast<char*>(buf), sizeof(buf) - out_left);
  }
  BrotliDecoderDestroyInstance(d);
  return rc == BROTLI_DECODER_RESULT_SUCCESS && in_left == 0 ? out : "<bad>";
}

}  // namespace ferry::serve::testing

#endif  // FERRY_SERVE_CONTENT_DECODING_TEST_UTIL_H_
