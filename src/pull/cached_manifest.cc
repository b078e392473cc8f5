#include "pull/cached_manifest.h"

#include <string_view>

#include "base/file_util.h"
#include "base/hasher.h"
#include "base/path.h"
#include "pull/manifest.h"

namespace ferry::pull {
namespace {

constexpr std::string_view kMagic = "ferry manifest cache 1";
// Room for the header lines around a body of at most kMaxManifestBytes.
constexpr uint64_t kMaxHeaderBytes = 64 * 1024;

std::string Sha256Hex(std::string_view bytes) {
  Hasher h(HashAlgorithm::kSha256);
  h.Update(bytes);
  return h.FinishHex();
}

// Takes the next line of `text` (without its '\n'); false when there is no '\n'.
bool NextLine(std::string_view* text, std::string_view* line) {
  const size_t nl = text->find('\n');
  if (nl == std::string_view::npos) return false;
  *line = text->substr(0, nl);
  text->remove_prefix(nl + 1);
  return true;
}

// "<key> <value>" -> value, or false.
bool Field(std::string_view* text, std::string_view key, std::string* value) {
  std::string_view line;
  if (!NextLine(text, &line) || line.size() < key.size() + 1 || line.substr(0, key.size()) != key ||
      line[key.size()] != ' ') {
    return false;
  }
  *value = std::string(line.substr(key.size() + 1));
  return true;
}

}  // namespace

std::string CachedManifestPath(const WorkspaceLayout& layout) {
  return JoinPath(layout.ferry_dir(), "manifest.cache");
}

Result<CachedManifest> LoadCachedManifest(Env* env, const std::string& path) {
  FERRY_ASSIGN_OR_RETURN(std::string file,
                         ReadFileToString(env, path, kMaxManifestBytes + kMaxHeaderBytes));
  auto damaged = [&path](const std::string& what) {
    return Status::InvalidArgument(path + ": " + what);
  };
  std::string_view text = file;
  std::string_view magic;
  if (!NextLine(&text, &magic) || magic != kMagic) return damaged("not a ferry manifest cache");
  CachedManifest cached;
  std::string size_text, digest;
  if (!Field(&text, "url", &cached.url) || !Field(&text, "etag", &cached.etag) ||
      !Field(&text, "size", &size_text) || !Field(&text, "sha256", &digest)) {
    return damaged("header damaged");
  }
  std::string_view blank;
  if (!NextLine(&text, &blank) || !blank.empty()) return damaged("header damaged");
  if (size_text != std::to_string(text.size())) {
    return damaged("body is " + std::to_string(text.size()) + " bytes, header says " + size_text);
  }
  if (Sha256Hex(text) != digest) return damaged("body does not match its sha256");
  if (cached.etag.empty()) return damaged("no etag");
  cached.body = std::string(text);
  return cached;
}

Status SaveCachedManifest(Env* env, const std::string& path, const CachedManifest& cached) {
  if (cached.url.find('\n') != std::string::npos || cached.etag.find('\n') != std::string::npos) {
    return Status::InvalidArgument("a manifest URL or ETag with a line break is not cached");
  }
  std::string file;
  file.reserve(cached.body.size() + 256);
  file += kMagic;
  file += "\nurl " + cached.url;
  file += "\netag " + cached.etag;
  file += "\nsize " + std::to_string(cached.body.size());
  file += "\nsha256 " + Sha256Hex(cached.body);
  file += "\n\n";
  file += cached.body;
  return WriteFileAtomically(env, path, file, 0644);
}

}  // namespace ferry::pull
