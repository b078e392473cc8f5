#include "base/checksum_list.h"

#include <cctype>

namespace ferry {
namespace {

// The file name as written on a line: GNU escapes it (and marks the line with a leading '\\')
// when it holds '\\', '\n' or '\r'. nullopt when an escaped name has a bad escape.
std::optional<std::string> NameFromLine(std::string_view name, bool escaped) {
  if (escaped) return UnescapeChecksumName(name);
  return std::string(name);
}

bool IsHexDigit(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

std::string ToLowerHex(std::string_view hex) {
  std::string out(hex);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A digest must be all hex digits and as long as one of the algorithms we know; anything else
// is a malformed line rather than a guaranteed mismatch, so the user learns the list is bad.
bool IsDigest(std::string_view hex) {
  if (!HashAlgorithmForHexLength(hex.size()).ok()) return false;
  for (char c : hex) {
    if (!IsHexDigit(c)) return false;
  }
  return true;
}

Status Malformed() {
  return Status::InvalidArgument("improperly formatted checksum line");
}

// "SHA256 (path) = hex" / "MD5 (path) = hex", as written by `sha256sum --tag`. `rest` starts
// after the optional escape marker.
Result<std::optional<ChecksumLine>> ParseTaggedLine(std::string_view rest, bool escaped) {
  ChecksumLine parsed;
  std::string_view tag;
  for (std::string_view candidate : {"SHA256 (", "MD5 ("}) {
    if (rest.substr(0, candidate.size()) == candidate) tag = candidate;
  }
  if (tag.empty()) return Malformed();
  parsed.tagged_algo = tag[0] == 'M' ? HashAlgorithm::kMd5 : HashAlgorithm::kSha256;
  rest.remove_prefix(tag.size());
  // The name may itself contain ") = ", so the separator is the last one.
  size_t sep = rest.rfind(") = ");
  if (sep == std::string_view::npos) return Malformed();
  std::string_view name = rest.substr(0, sep);
  std::string_view hex = rest.substr(sep + 4);
  if (name.empty() || !IsDigest(hex) || hex.size() != HashHexLength(*parsed.tagged_algo)) {
    return Malformed();
  }
  parsed.hex = ToLowerHex(hex);
  std::optional<std::string> path = NameFromLine(name, escaped);
  if (!path) return Malformed();
  parsed.path = std::move(*path);
  return std::optional<ChecksumLine>(std::move(parsed));
}

}  // namespace

bool ChecksumNameNeedsEscape(std::string_view name) {
  return name.find_first_of("\\\n\r") != std::string_view::npos;
}

std::string EscapeChecksumName(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 8);
  for (char c : name) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += c; break;
    }
  }
  return out;
}

std::optional<std::string> UnescapeChecksumName(std::string_view escaped) {
  std::string out;
  out.reserve(escaped.size());
  for (size_t i = 0; i < escaped.size(); ++i) {
    if (escaped[i] != '\\') {
      out += escaped[i];
      continue;
    }
    if (++i == escaped.size()) return std::nullopt;
    switch (escaped[i]) {
      case '\\': out += '\\'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      default: return std::nullopt;
    }
  }
  return out;
}

std::string FormatChecksumLine(std::string_view hex, std::string_view path) {
  std::string line;
  line.reserve(hex.size() + path.size() + 4);
  bool escape = ChecksumNameNeedsEscape(path);
  if (escape) line += '\\';
  line += hex;
  line += "  ";
  line += escape ? EscapeChecksumName(path) : std::string(path);
  line += '\n';
  return line;
}

std::string FormatCheckResultLine(std::string_view path, std::string_view result) {
  std::string line;
  if (path.find('\n') != std::string_view::npos) {
    line += '\\';
    line += EscapeChecksumName(path);
  } else {
    line += path;
  }
  line += ": ";
  line += result;
  line += '\n';
  return line;
}

Result<std::optional<ChecksumLine>> ParseChecksumLine(std::string_view line, UntaggedForm* form) {
  UntaggedForm this_line_only = UntaggedForm::kUndecided;
  if (form == nullptr) form = &this_line_only;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  size_t start = line.find_first_not_of(" \t");
  if (start == std::string_view::npos || line[start] == '#') {
    return std::optional<ChecksumLine>();
  }
  std::string_view rest = line.substr(start);
  bool escaped = rest[0] == '\\';
  if (escaped) rest.remove_prefix(1);

  size_t hex_end = 0;
  while (hex_end < rest.size() && IsHexDigit(rest[hex_end])) ++hex_end;
  // Neither "MD5 (" nor "SHA256 (" starts with a hex digit, so this tells the forms apart.
  if (hex_end == 0) return ParseTaggedLine(rest, escaped);

  std::string_view hex = rest.substr(0, hex_end);
  rest.remove_prefix(hex_end);
  // One separator, then the name: "<hex>  <path>" / "<hex> *<path>" (GNU: a type character
  // after the separator), or "<hex> <path>" (reversed BSD: none). GNU 9 tells them apart by
  // the character after the separator and by what the run has seen, in this order.
  if (rest.empty() || (rest[0] != ' ' && rest[0] != '\t') || !IsDigest(hex)) return Malformed();
  rest.remove_prefix(1);
  if (rest.empty()) return Malformed();
  ChecksumLine parsed;
  parsed.hex = ToLowerHex(hex);
  if (rest.size() == 1 || (rest[0] != ' ' && rest[0] != '*')) {
    // No type character: the reversed form, refused once a run has seen the GNU form (an
    // attacker's file named " x" must not turn "<hex>  x" lines into something else).
    if (*form == UntaggedForm::kGnu) return Malformed();
    *form = UntaggedForm::kReversed;
  } else if (*form != UntaggedForm::kReversed) {
    *form = UntaggedForm::kGnu;
    parsed.binary = rest[0] == '*';
    rest.remove_prefix(1);
  }
  // In a reversed run, a ' ' or '*' after the separator is the name's first character.
  if (rest.empty()) return Malformed();
  std::optional<std::string> path = NameFromLine(rest, escaped);
  if (!path) return Malformed();
  parsed.path = std::move(*path);
  return std::optional<ChecksumLine>(std::move(parsed));
}

ParsedChecksumList ParseChecksumList(std::string_view content, UntaggedForm* form) {
  UntaggedForm this_list_only = UntaggedForm::kUndecided;
  if (form == nullptr) form = &this_list_only;
  ParsedChecksumList list;
  size_t line_number = 0;
  while (!content.empty()) {
    ++line_number;
    size_t eol = content.find('\n');
    std::string_view line = content.substr(0, eol);
    content.remove_prefix(eol == std::string_view::npos ? content.size() : eol + 1);
    Result<std::optional<ChecksumLine>> parsed = ParseChecksumLine(line, form);
    if (!parsed.ok()) {
      list.malformed_lines.push_back(line_number);
    } else if (parsed->has_value()) {
      list.entries.push_back({line_number, std::move(**parsed)});
    }
  }
  return list;
}

}  // namespace ferry
