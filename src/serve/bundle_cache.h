// BundleCache: the rendered memory bundles of one loaded catalog, each kept with its change
// token and (made on first use) its gzip and brotli forms, so a bundle is rendered and
// compressed once per version of its domain and coding, not per request (docs/PROTOCOL.md
// "Compression").
//
// Invariant: an entry is served only for the very DomainState it was rendered from
// (memory_domains.h publishes a new state whenever the items change), so an edited item shows
// in the next request, as the freshness rule of DESIGN.md asks.
//
// Thread-safety: For may be called from many threads; entries are immutable once published
// but for their coded forms, each made once under its once_flag.
#ifndef FERRY_SERVE_BUNDLE_CACHE_H_
#define FERRY_SERVE_BUNDLE_CACHE_H_

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "serve/memory_domains.h"

namespace ferry::serve {

class RenderedBundle {
 public:
  explicit RenderedBundle(std::shared_ptr<const DomainState> state);
  RenderedBundle(const RenderedBundle&) = delete;
  RenderedBundle& operator=(const RenderedBundle&) = delete;

  const DomainState* state() const { return state_.get(); }
  const std::string& text() const { return text_; }
  const std::string& token() const { return token_; }  // BundleChangeToken
  // text() gzip-compressed, shared so a response can stream it after the cache moved on.
  std::shared_ptr<const std::string> gzip() const;
  // text() brotli-compressed; null if the encoder failed (the caller answers in gzip).
  std::shared_ptr<const std::string> brotli() const;

 private:
  const std::shared_ptr<const DomainState> state_;
  const std::string text_;
  const std::string token_;
  mutable std::once_flag gzip_once_;
  mutable std::shared_ptr<const std::string> gzip_;  // written once under gzip_once_
  mutable std::once_flag brotli_once_;
  mutable std::shared_ptr<const std::string> brotli_;  // written once under brotli_once_
};

class BundleCache {
 public:
  explicit BundleCache(size_t domains) : slots_(domains) {}

  // The bundle of `state`, domain number `index`, rendering it if this state is new.
  std::shared_ptr<const RenderedBundle> For(size_t index, std::shared_ptr<const DomainState> state);

 private:
  std::mutex mu_;  // guards slots_
  std::vector<std::shared_ptr<const RenderedBundle>> slots_;
};

}  // namespace ferry::serve

#endif  // FERRY_SERVE_BUNDLE_CACHE_H_
