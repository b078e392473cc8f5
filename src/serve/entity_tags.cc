#include "serve/entity_tags.h"

namespace ferry::serve {
namespace {

// "-gzip", "-br": what a coded representation's tag adds to the opaque part.
std::string Suffix(Coding coding) {
  return coding == Coding::kIdentity ? std::string() : "-" + std::string(CodingName(coding));
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string EntityTag(std::string_view opaque, Coding coding) {
  std::string tag = "\"";
  tag += opaque;
  tag += Suffix(coding);
  tag += '"';
  return tag;
}

bool IfNoneMatchHits(std::string_view if_none_match, std::string_view opaque) {
  if (Trim(if_none_match) == "*") return true;
  // Tags are quoted strings that cannot hold a comma's meaning here: ferry's own tags are hex.
  while (!if_none_match.empty()) {
    const size_t comma = if_none_match.find(',');
    std::string_view tag = Trim(if_none_match.substr(0, comma));
    if_none_match =
        comma == std::string_view::npos ? std::string_view() : if_none_match.substr(comma + 1);
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag.size() < 2 || tag.front() != '"' || tag.back() != '"') continue;
    tag = tag.substr(1, tag.size() - 2);
    for (Coding coding : {Coding::kIdentity, Coding::kGzip, Coding::kBrotli}) {
      const std::string suffix = Suffix(coding);
      if (tag.size() == opaque.size() + suffix.size() && tag.substr(0, opaque.size()) == opaque &&
          tag.substr(opaque.size()) == suffix) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace ferry::serve
