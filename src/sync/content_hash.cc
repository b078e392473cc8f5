#include "sync/content_hash.h"

#include "base/hasher.h"
#include "sync/replica.h"

namespace ferry::sync {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

ContentHash FromHex(const std::string& hex) {
  ContentHash out{};
  bool parsed = ParseContentHashHex(hex, &out);
  (void)parsed;  // Hasher always yields 64 lowercase hex digits for SHA-256
  return out;
}

}  // namespace

std::string ContentHashHex(const ContentHash& hash) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(64, '0');
  for (size_t i = 0; i < hash.size(); ++i) {
    out[2 * i] = kDigits[hash[i] >> 4];
    out[2 * i + 1] = kDigits[hash[i] & 0xf];
  }
  return out;
}

bool ParseContentHashHex(std::string_view hex, ContentHash* out) {
  if (hex.size() != 64) return false;
  for (size_t i = 0; i < 32; ++i) {
    int hi = HexValue(hex[2 * i]);
    int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    (*out)[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return true;
}

ContentHash HashBytes(std::string_view bytes) {
  Hasher hasher(HashAlgorithm::kSha256);
  hasher.Update(bytes);
  return FromHex(hasher.FinishHex());
}

Result<ContentHash> HashEntry(Replica* replica, const ReplicaEntry& entry) {
  switch (entry.kind) {
    case EntryKind::kDir:
      return ContentHash{};
    case EntryKind::kSymlink:
      return HashBytes(entry.link_target);
    case EntryKind::kFile:
      break;
  }
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> file, replica->OpenRead(entry.path));
  FERRY_ASSIGN_OR_RETURN(std::string hex, HashSequentialFile(file.get(), HashAlgorithm::kSha256));
  return FromHex(hex);
}

}  // namespace ferry::sync
