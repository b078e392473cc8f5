// Hasher: streaming MD5 / SHA-256 digests through OpenSSL EVP, the primitive behind
// `ferry hash`, the pull engine's download verification and the push queue's proof that every
// byte arrived.
//
// OpenSSL picks the fastest implementation the CPU offers at run time (SHA-NI / AVX2 for
// SHA-256), so callers only have to feed large buffers: HashFile reads 1 MiB at a time and
// hands each buffer straight to EVP_DigestUpdate, with no copy in between.
//
// Invariants: a Hasher always holds an initialised digest context; FinishHex() returns the
// lowercase hex digest of everything passed to Update() since construction or the last
// Reset(), and leaves the Hasher reset (ready for the next stream). A moved-from Hasher may
// only be destroyed or assigned to.
//
// Thread-safety: a Hasher is used by one thread at a time; distinct Hashers are independent.
// HashFile may be called from many threads at once (Env is thread-safe).
#ifndef FERRY_BASE_HASHER_H_
#define FERRY_BASE_HASHER_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "ferry/env.h"
#include "ferry/status.h"

namespace ferry {

enum class HashAlgorithm { kMd5, kSha256 };

// "md5" or "sha256" (case-insensitive); anything else is kInvalidArgument
// "unknown hash algorithm 'x'; use sha256 or md5".
Result<HashAlgorithm> ParseHashAlgorithm(std::string_view name);

// "md5" or "sha256".
std::string_view HashAlgorithmName(HashAlgorithm algo);

// Length of the lowercase hex digest: 32 for MD5, 64 for SHA-256.
size_t HashHexLength(HashAlgorithm algo);

// The algorithm whose hex digest has `hex_length` characters, if exactly one has (used by
// `ferry hash --check` to infer the algorithm from a checksum line); kInvalidArgument else.
Result<HashAlgorithm> HashAlgorithmForHexLength(size_t hex_length);

class Hasher {
 public:
  explicit Hasher(HashAlgorithm algo);
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;
  Hasher(Hasher&& other) noexcept;
  Hasher& operator=(Hasher&& other) noexcept;

  HashAlgorithm algorithm() const { return algo_; }

  void Update(std::string_view bytes);
  // The lowercase hex digest of the bytes since the last Reset(); resets the Hasher.
  std::string FinishHex();
  // Forgets every byte fed so far.
  void Reset();

 private:
  struct Ctx;  // owns the EVP_MD_CTX, so this header does not pull in OpenSSL
  HashAlgorithm algo_;
  std::unique_ptr<Ctx> ctx_;
};

// The size of the read buffer HashFile uses: large enough that the syscall cost is noise
// next to hashing, small enough that --jobs N stays at N MiB of buffers.
inline constexpr size_t kHashBufferSize = size_t{1} << 20;

// Hashes everything `file` yields from its current position to the end.
Result<std::string> HashSequentialFile(SequentialFile* file, HashAlgorithm algo);

// Hashes the file at `path`, streaming it through env->NewSequentialFile. Errors are the Env's
// (they name the operation and the path).
Result<std::string> HashFile(Env* env, const std::string& path, HashAlgorithm algo);

}  // namespace ferry

#endif  // FERRY_BASE_HASHER_H_
