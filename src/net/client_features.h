// Client features: what a pull client tells the catalog server it understands beyond the seed's
// protocol, so that `ferry serve` can describe one catalog to every client in a form that
// client reads without errors (docs/PROTOCOL.md, "Older clients").
//
// The client sends one request header with the manifest request:
//
//   X-Ferry-Features: parts
//
// a comma-separated list of tokens, compared case-insensitively; unknown tokens are ignored,
// and no header means no features (the seed's own client, or anything else that speaks only
// the seed's protocol). `ferry pull` sends kPullFeatures. A header rather than a query
// parameter: the manifest's URL stays the one every client knows, and a cache in between is
// told by `Vary: X-Ferry-Features` that the body depends on it.
//
// Features:
//   parts   the client downloads a partitioned table (an entry with `parts`) part by part
//           with ?part=<path>. Without it the server announces such a table as
//           `query_mode: "remote"`, which every client skips.
//
// Thread-safety: constants and pure functions.
#ifndef FERRY_NET_CLIENT_FEATURES_H_
#define FERRY_NET_CLIENT_FEATURES_H_

#include <string_view>

namespace ferry {

inline constexpr std::string_view kFeaturesHeader = "X-Ferry-Features";
inline constexpr std::string_view kFeatureParts = "parts";

// What `ferry pull` sends in kFeaturesHeader.
inline constexpr std::string_view kPullFeatures = "parts";

// True when the comma-separated `header_value` lists `feature` (case-insensitively, spaces
// around tokens ignored).
bool ListsFeature(std::string_view header_value, std::string_view feature);

}  // namespace ferry

#endif  // FERRY_NET_CLIENT_FEATURES_H_
