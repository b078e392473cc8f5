// Entity tags of `ferry serve`'s text bodies and the If-None-Match check (RFC 9110 8.8.3,
// 13.1.2; docs/PROTOCOL.md "Conditional manifests").
//
// A body served in several codings is several representations, so each gets its own strong
// tag: the identity body `"<opaque>"`, the gzip one `"<opaque>-gzip"`, the brotli one
// `"<opaque>-br"` (as Apache's mod_deflate does). If-None-Match is compared weakly (RFC 9110
// 13.1.2), so a client holding any coding's tag of the current version gets its 304 whichever
// coding it asks for this time.
//
// Thread-safety: pure functions.
#ifndef FERRY_SERVE_ENTITY_TAGS_H_
#define FERRY_SERVE_ENTITY_TAGS_H_

#include <string>
#include <string_view>

#include "serve/content_coding.h"

namespace ferry::serve {

// The quoted tag of the body `opaque` names, in `coding`.
std::string EntityTag(std::string_view opaque, Coding coding);

// True when the If-None-Match value (a comma-separated list of tags, each maybe weak `W/`, or
// `*`) names any coding's tag of `opaque`. An empty value names nothing.
bool IfNoneMatchHits(std::string_view if_none_match, std::string_view opaque);

}  // namespace ferry::serve

#endif  // FERRY_SERVE_ENTITY_TAGS_H_
