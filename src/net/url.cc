#include "net/url.h"

#include <cctype>
#include <string>
#include <vector>

namespace ferry {
namespace {

// The parts of an absolute URL: scheme "http", authority "host:port", and the rest
// (path + query + fragment), which starts with '/', '?', '#' or is empty.
struct UrlParts {
  std::string scheme;
  std::string authority;
  std::string rest;
};

// The scheme of `s` in lowercase ("" when `s` has none), per RFC 3986:
// ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" before any '/', '?' or '#'.
std::string SchemeOf(std::string_view s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return "";
  for (size_t i = 1; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == ':') {
      std::string scheme(s.substr(0, i));
      for (char& ch : scheme) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      return scheme;
    }
    if (!std::isalnum(c) && c != '+' && c != '-' && c != '.') return "";
  }
  return "";
}

bool IsHttpScheme(const std::string& scheme) { return scheme == "http" || scheme == "https"; }

bool SplitUrl(const std::string& url, UrlParts* out) {
  out->scheme = SchemeOf(url);
  if (!IsHttpScheme(out->scheme)) return false;
  const size_t after_scheme = out->scheme.size() + 1;
  if (url.compare(after_scheme, 2, "//") != 0) return false;
  const size_t auth_begin = after_scheme + 2;
  size_t auth_end = url.find_first_of("/?#", auth_begin);
  if (auth_end == std::string::npos) auth_end = url.size();
  if (auth_end == auth_begin) return false;  // no host
  out->authority = url.substr(auth_begin, auth_end - auth_begin);
  out->rest = url.substr(auth_end);
  return true;
}

// RFC 3986 5.2.4: removes "." and ".." segments from an absolute path.
std::string RemoveDotSegments(const std::string& path) {
  std::vector<std::string> segments;
  size_t pos = 1;  // path starts with '/'
  bool trailing_slash = false;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string::npos) next = path.size();
    std::string seg = path.substr(pos, next - pos);
    const bool last = next == path.size();
    if (seg == ".") {
      trailing_slash = last;
    } else if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
      trailing_slash = last;
    } else {
      segments.push_back(seg);
      trailing_slash = false;
    }
    pos = next + 1;
  }
  std::string out;
  for (const std::string& seg : segments) out += "/" + seg;
  if (trailing_slash || out.empty()) out += "/";
  return out;
}

// Splits "path?query#frag" into the path and the remainder starting at '?' or '#'.
void SplitPath(const std::string& rest, std::string* path, std::string* tail) {
  const size_t q = rest.find_first_of("?#");
  *path = rest.substr(0, q);
  *tail = q == std::string::npos ? "" : rest.substr(q);
}

std::string Lowercase(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

Result<std::string> UrlOrigin(const std::string& url) {
  auto invalid = [&](const std::string& why) {
    return Status::InvalidArgument("URL \"" + url + "\" has no origin: " + why);
  };
  UrlParts parts;
  if (!SplitUrl(url, &parts)) return invalid("not an absolute http(s) URL");
  std::string_view authority = parts.authority;
  // userinfo@ never identifies the peer: "http://catalog@evil" is evil's origin.
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  std::string_view host = authority, port;
  if (!authority.empty() && authority.front() == '[') {  // IPv6 literal: [::1]:8080
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return invalid("unterminated IPv6 literal");
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return invalid("junk after the IPv6 literal");
      port = after.substr(1);
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return invalid("no host");
  if (!AllDigits(port) || port.size() > 5) return invalid("port is not a number");
  unsigned long number = port.empty() ? 0 : std::stoul(std::string(port));
  if (number > 65535) return invalid("port out of range");
  if (port.empty()) number = parts.scheme == "https" ? 443 : 80;
  return parts.scheme + "://" + Lowercase(std::string(host)) + ":" + std::to_string(number);
}

Result<std::string> ResolveUrl(const std::string& base, const std::string& ref) {
  const std::string ref_scheme = SchemeOf(ref);
  if (!ref_scheme.empty()) {
    UrlParts parts;
    if (!SplitUrl(ref, &parts)) {
      return Status::InvalidArgument("URL \"" + ref +
                                     "\" is not an http(s) URL; ferry only fetches http:// "
                                     "and https://");
    }
    return ref;
  }
  UrlParts b;
  if (!SplitUrl(base, &b)) {
    return Status::InvalidArgument("cannot resolve \"" + ref + "\" against \"" + base +
                                   "\": the base is not an absolute http(s) URL");
  }
  std::string base_path, base_tail;
  SplitPath(b.rest, &base_path, &base_tail);
  if (base_path.empty()) base_path = "/";
  const std::string origin = b.scheme + "://" + b.authority;

  if (ref.empty()) {
    const size_t hash = base.find('#');
    return hash == std::string::npos ? base : base.substr(0, hash);
  }
  if (ref.rfind("//", 0) == 0) return b.scheme + ":" + ref;
  if (ref[0] == '#') return origin + base_path + base_tail.substr(0, base_tail.find('#')) + ref;
  if (ref[0] == '?') return origin + base_path + ref;

  std::string ref_path, ref_tail;
  SplitPath(ref, &ref_path, &ref_tail);
  std::string merged;
  if (ref_path[0] == '/') {
    merged = ref_path;
  } else {
    merged = base_path.substr(0, base_path.rfind('/') + 1) + ref_path;
  }
  return origin + RemoveDotSegments(merged) + ref_tail;
}

std::string UrlEncodeQueryValue(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

}  // namespace ferry
