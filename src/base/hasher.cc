#include "base/hasher.h"

#include <openssl/evp.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace ferry {
namespace {

// OpenSSL 3 looks an algorithm up in its provider tables on every EVP_DigestInit_ex with the
// legacy EVP_sha256() handle; fetching once per process avoids that cost per file, which shows
// when hashing trees of many small files.
const EVP_MD* FetchedMd(HashAlgorithm algo) {
  static const EVP_MD* const kMd5 = [] {
    const EVP_MD* md = EVP_MD_fetch(nullptr, "MD5", nullptr);
    return md != nullptr ? md : EVP_md5();
  }();
  static const EVP_MD* const kSha256 = [] {
    const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return md != nullptr ? md : EVP_sha256();
  }();
  return algo == HashAlgorithm::kMd5 ? kMd5 : kSha256;
}

// OpenSSL only fails these calls on allocation failure or a broken provider setup; neither
// can be handled meaningfully by a caller, and returning a wrong digest silently would be
// far worse than stopping.
void CheckOpenSsl(int ok, const char* what) {
  if (ok != 1) {
    std::fprintf(stderr, "ferry: internal error: OpenSSL %s failed\n", what);
    std::abort();
  }
}

}  // namespace

Result<HashAlgorithm> ParseHashAlgorithm(std::string_view name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "md5") return HashAlgorithm::kMd5;
  if (lower == "sha256") return HashAlgorithm::kSha256;
  return Status::InvalidArgument("unknown hash algorithm '" + std::string(name) +
                                 "'; use sha256 or md5");
}

std::string_view HashAlgorithmName(HashAlgorithm algo) {
  return algo == HashAlgorithm::kMd5 ? "md5" : "sha256";
}

size_t HashHexLength(HashAlgorithm algo) { return algo == HashAlgorithm::kMd5 ? 32 : 64; }

Result<HashAlgorithm> HashAlgorithmForHexLength(size_t hex_length) {
  if (hex_length == 32) return HashAlgorithm::kMd5;
  if (hex_length == 64) return HashAlgorithm::kSha256;
  return Status::InvalidArgument("a digest of " + std::to_string(hex_length) +
                                 " hex digits is neither md5 (32) nor sha256 (64)");
}

struct Hasher::Ctx {
  EVP_MD_CTX* md_ctx = EVP_MD_CTX_new();
  ~Ctx() { EVP_MD_CTX_free(md_ctx); }
};

Hasher::Hasher(HashAlgorithm algo) : algo_(algo), ctx_(std::make_unique<Ctx>()) {
  if (ctx_->md_ctx == nullptr) CheckOpenSsl(0, "EVP_MD_CTX_new");
  Reset();
}

Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&& other) noexcept = default;
Hasher& Hasher::operator=(Hasher&& other) noexcept = default;

void Hasher::Update(std::string_view bytes) {
  if (bytes.empty()) return;
  CheckOpenSsl(EVP_DigestUpdate(ctx_->md_ctx, bytes.data(), bytes.size()), "EVP_DigestUpdate");
}

std::string Hasher::FinishHex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  CheckOpenSsl(EVP_DigestFinal_ex(ctx_->md_ctx, digest, &length), "EVP_DigestFinal_ex");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(size_t{length} * 2, '\0');
  for (unsigned int i = 0; i < length; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 0x0f];
  }
  Reset();
  return hex;
}

void Hasher::Reset() {
  CheckOpenSsl(EVP_DigestInit_ex(ctx_->md_ctx, FetchedMd(algo_), nullptr), "EVP_DigestInit_ex");
}

Result<std::string> HashSequentialFile(SequentialFile* file, HashAlgorithm algo) {
  Hasher hasher(algo);
  // Heap, not stack: 1 MiB would crowd a worker thread's stack.
  std::unique_ptr<char[]> buffer(new char[kHashBufferSize]);
  while (true) {
    FERRY_ASSIGN_OR_RETURN(size_t n, file->Read(buffer.get(), kHashBufferSize));
    if (n == 0) break;
    hasher.Update(std::string_view(buffer.get(), n));
  }
  return hasher.FinishHex();
}

Result<std::string> HashFile(Env* env, const std::string& path, HashAlgorithm algo) {
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> file, env->NewSequentialFile(path));
  return HashSequentialFile(file.get(), algo);
}

}  // namespace ferry
