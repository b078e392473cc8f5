// ManifestBody: one rendered manifest (one stack version in one client form), kept by
// ManifestCache and served to every request for it, in the identity or the gzip coding.
//
// The body is `head` + the quoted server_time + `tail`; everything but the time is fixed for
// the version, so:
// - digest() is the SHA-256 of head + tail: it changes exactly when a byte other than the
//   time changes, and the manifest's ETag is derived from it (ManifestTagFor,
//   docs/PROTOCOL.md "Conditional manifests");
// - Gzip() compresses head and tail once, on first use, and per request only the time
//   (content_coding.h explains the splice).
//
// Thread-safety: immutable after construction but for the lazily compressed pieces, which
// are made once under a once_flag; every method may be called from many threads.
#ifndef FERRY_SERVE_MANIFEST_BODY_H_
#define FERRY_SERVE_MANIFEST_BODY_H_

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "serve/content_coding.h"

namespace ferry::serve {

class ManifestBody {
 public:
  // `head` ends with `"server_time":`, `tail` follows the time.
  ManifestBody(uint64_t generation, std::string head, std::string tail);
  ManifestBody(const ManifestBody&) = delete;
  ManifestBody& operator=(const ManifestBody&) = delete;

  // The table pieces' generation the body was assembled from (manifest_cache.h).
  uint64_t generation() const { return generation_; }
  // Bytes held for the identity form (head + tail).
  size_t size() const { return head_.size() + tail_.size(); }
  const std::string& digest() const { return digest_; }

  std::string Identity(int64_t now_unix_ns) const;
  std::string Gzip(int64_t now_unix_ns) const;

 private:
  const uint64_t generation_;
  const std::string head_;
  const std::string tail_;
  const std::string digest_;
  mutable std::once_flag compressed_once_;
  mutable DeflatePiece head_gz_;  // written once under compressed_once_
  mutable DeflatePiece tail_gz_;
};

// The opaque part of the manifest's ETag for `user`: the first 32 hex digits of
// SHA-256("ferry-manifest-v1\n" + user + "\n" + body.digest()). Per user, so two users with
// the same stack never share a tag (a cache in between keyed by the tag alone would otherwise
// mix them up), and it changes whenever the body does.
std::string ManifestTagFor(std::string_view user, const ManifestBody& body);

}  // namespace ferry::serve

#endif  // FERRY_SERVE_MANIFEST_BODY_H_
