#include "serve/manifest_body.h"

#include <utility>

#include "base/hasher.h"
#include "serve/manifest_builder.h"

namespace ferry::serve {
namespace {

std::string Sha256Hex(std::string_view a, std::string_view b) {
  Hasher h(HashAlgorithm::kSha256);
  h.Update(a);
  h.Update(b);
  return h.FinishHex();
}

std::string QuotedTime(int64_t now_unix_ns) { return "\"" + FormatIsoTime(now_unix_ns) + "\""; }

}  // namespace

ManifestBody::ManifestBody(uint64_t generation, std::string head, std::string tail)
    : generation_(generation),
      head_(std::move(head)),
      tail_(std::move(tail)),
      digest_(Sha256Hex(head_, tail_)) {}

std::string ManifestBody::Identity(int64_t now_unix_ns) const {
  const std::string time = QuotedTime(now_unix_ns);
  std::string out;
  out.reserve(head_.size() + time.size() + tail_.size());
  out += head_;
  out += time;
  out += tail_;
  return out;
}

std::string ManifestBody::Gzip(int64_t now_unix_ns) const {
  std::call_once(compressed_once_, [this] {
    head_gz_ = DeflateAsPiece(head_, /*last=*/false);
    tail_gz_ = DeflateAsPiece(tail_, /*last=*/true);
  });
  const DeflatePiece time = DeflateAsPiece(QuotedTime(now_unix_ns), /*last=*/false);
  return GzipFromPieces({&head_gz_, &time, &tail_gz_});
}

std::string ManifestTagFor(std::string_view user, const ManifestBody& body) {
  Hasher h(HashAlgorithm::kSha256);
  h.Update("ferry-manifest-v1\n");
  h.Update(user);
  h.Update("\n");
  h.Update(body.digest());
  return h.FinishHex().substr(0, 32);
}

}  // namespace ferry::serve
