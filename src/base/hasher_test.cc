#include "base/hasher.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "base/file_util.h"
#include "base/mem_env.h"

namespace ferry {
namespace {

constexpr char kSha256Empty[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kSha256Abc[] =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr char kMd5Empty[] = "d41d8cd98f00b204e9800998ecf8427e";
constexpr char kMd5Abc[] = "900150983cd24fb0d6963f7d28e17f72";

std::string OneShot(HashAlgorithm algo, std::string_view bytes) {
  Hasher hasher(algo);
  hasher.Update(bytes);
  return hasher.FinishHex();
}

// Deterministic bytes that are not a repeating short pattern.
std::string PseudoRandomBytes(size_t n) {
  std::string out(n, '\0');
  uint32_t x = 2463534242u;
  for (char& c : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x & 0xff);
  }
  return out;
}

TEST(HasherTest, KnownVectorsSha256) {
  EXPECT_EQ(OneShot(HashAlgorithm::kSha256, ""), kSha256Empty);
  EXPECT_EQ(OneShot(HashAlgorithm::kSha256, "abc"), kSha256Abc);
}

TEST(HasherTest, KnownVectorsMd5) {
  EXPECT_EQ(OneShot(HashAlgorithm::kMd5, ""), kMd5Empty);
  EXPECT_EQ(OneShot(HashAlgorithm::kMd5, "abc"), kMd5Abc);
}

TEST(HasherTest, NistTwoBlockMessageSha256) {
  EXPECT_EQ(OneShot(HashAlgorithm::kSha256,
                    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(HasherTest, ChunkedUpdatesEqualOneShot) {
  std::string data = PseudoRandomBytes(300000);
  for (HashAlgorithm algo : {HashAlgorithm::kMd5, HashAlgorithm::kSha256}) {
    std::string expected = OneShot(algo, data);
    // Chunk sizes that straddle the 64-byte block boundary in every way.
    for (size_t chunk : {1, 3, 63, 64, 65, 4096, 100001}) {
      Hasher hasher(algo);
      for (size_t off = 0; off < data.size(); off += chunk) {
        hasher.Update(std::string_view(data).substr(off, chunk));
      }
      EXPECT_EQ(hasher.FinishHex(), expected) << HashAlgorithmName(algo) << " chunk " << chunk;
    }
  }
}

TEST(HasherTest, FinishResetsForTheNextStream) {
  Hasher hasher(HashAlgorithm::kSha256);
  hasher.Update("abc");
  EXPECT_EQ(hasher.FinishHex(), kSha256Abc);
  EXPECT_EQ(hasher.FinishHex(), kSha256Empty);
  hasher.Update("abc");
  EXPECT_EQ(hasher.FinishHex(), kSha256Abc);
}

TEST(HasherTest, ResetForgetsBytesFedSoFar) {
  Hasher hasher(HashAlgorithm::kMd5);
  hasher.Update("garbage");
  hasher.Reset();
  hasher.Update("abc");
  EXPECT_EQ(hasher.FinishHex(), kMd5Abc);
}

TEST(HasherTest, MovedHasherKeepsItsState) {
  Hasher a(HashAlgorithm::kSha256);
  a.Update("ab");
  Hasher b(std::move(a));
  b.Update("c");
  EXPECT_EQ(b.FinishHex(), kSha256Abc);
  Hasher c(HashAlgorithm::kMd5);
  c = std::move(b);
  EXPECT_EQ(c.algorithm(), HashAlgorithm::kSha256);
  c.Update("abc");
  EXPECT_EQ(c.FinishHex(), kSha256Abc);
}

TEST(HasherTest, ParseAlgorithmNames) {
  EXPECT_EQ(*ParseHashAlgorithm("sha256"), HashAlgorithm::kSha256);
  EXPECT_EQ(*ParseHashAlgorithm("MD5"), HashAlgorithm::kMd5);
  Result<HashAlgorithm> bad = ParseHashAlgorithm("sha1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "unknown hash algorithm 'sha1'; use sha256 or md5");
  EXPECT_EQ(HashAlgorithmName(HashAlgorithm::kMd5), "md5");
  EXPECT_EQ(HashAlgorithmName(HashAlgorithm::kSha256), "sha256");
}

TEST(HasherTest, AlgorithmFromHexLength) {
  EXPECT_EQ(*HashAlgorithmForHexLength(32), HashAlgorithm::kMd5);
  EXPECT_EQ(*HashAlgorithmForHexLength(64), HashAlgorithm::kSha256);
  EXPECT_FALSE(HashAlgorithmForHexLength(40).ok());
  EXPECT_EQ(HashHexLength(HashAlgorithm::kMd5), 32u);
  EXPECT_EQ(HashHexLength(HashAlgorithm::kSha256), 64u);
}

TEST(HasherTest, HashFileStreamsAcrossBufferBoundaries) {
  MemEnv env;
  // Larger than two read buffers and not a multiple of one.
  std::string data = PseudoRandomBytes(2 * kHashBufferSize + 12345);
  ASSERT_TRUE(WriteFileAtomically(&env, "/big", data).ok());
  ASSERT_TRUE(WriteFileAtomically(&env, "/empty", "").ok());
  Result<std::string> big = HashFile(&env, "/big", HashAlgorithm::kSha256);
  ASSERT_TRUE(big.ok()) << big.status().ToString();
  EXPECT_EQ(*big, OneShot(HashAlgorithm::kSha256, data));
  Result<std::string> empty = HashFile(&env, "/empty", HashAlgorithm::kMd5);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, kMd5Empty);
}

TEST(HasherTest, HashFileOfMissingPathIsNotFoundNamingIt) {
  MemEnv env;
  Result<std::string> r = HashFile(&env, "/nope", HashAlgorithm::kSha256);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsNotFound());
  EXPECT_NE(r.status().message().find("/nope"), std::string::npos) << r.status().message();
}

TEST(HasherTest, HashFileOnRealDiskMatchesKnownVector) {
  // The POSIX Env path (posix_fadvise, read loop) on a real file.
  char tmpl[] = "/tmp/ferry-hasher-XXXXXX";
  int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "abc", 3), 3);
  close(fd);
  Result<std::string> r = HashFile(Env::Default(), tmpl, HashAlgorithm::kSha256);
  unlink(tmpl);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, kSha256Abc);
}

}  // namespace
}  // namespace ferry
