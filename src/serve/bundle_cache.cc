#include "serve/bundle_cache.h"

#include <optional>
#include <utility>

#include "serve/bundle_renderer.h"
#include "serve/content_coding.h"

namespace ferry::serve {
namespace {

BundleInput InputOf(const DomainState& s) {
  return BundleInput{s.domain.name, s.domain.description, s.domain.items};
}

}  // namespace

RenderedBundle::RenderedBundle(std::shared_ptr<const DomainState> state)
    : state_(std::move(state)),
      text_(RenderBundle(InputOf(*state_))),
      token_(BundleChangeToken(InputOf(*state_))) {}

std::shared_ptr<const std::string> RenderedBundle::gzip() const {
  std::call_once(gzip_once_, [this] { gzip_ = std::make_shared<const std::string>(Gzip(text_)); });
  return gzip_;
}

std::shared_ptr<const std::string> RenderedBundle::brotli() const {
  std::call_once(brotli_once_, [this] {
    std::optional<std::string> coded = Brotli(text_);
    if (coded) brotli_ = std::make_shared<const std::string>(std::move(*coded));
  });
  return brotli_;
}

std::shared_ptr<const RenderedBundle> BundleCache::For(size_t index,
                                                       std::shared_ptr<const DomainState> state) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (index < slots_.size() && slots_[index] && slots_[index]->state() == state.get()) {
      return slots_[index];
    }
  }
  // Rendered outside the lock: two requests racing on a new state both render, one wins.
  auto rendered = std::make_shared<const RenderedBundle>(std::move(state));
  std::lock_guard<std::mutex> lock(mu_);
  if (index < slots_.size()) slots_[index] = rendered;
  return rendered;
}

}  // namespace ferry::serve
