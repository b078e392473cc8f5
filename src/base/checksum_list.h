// Checksum lists: the text format of GNU sha256sum / md5sum, which `ferry hash` writes and
// `ferry hash --check` (and the push queue's checksums.sha256) reads.
//
// One line per file: "<hex>  <path>\n" (text mode) or "<hex> *<path>\n" (binary mode; the
// same bytes on POSIX). GNU's escaping: a path containing '\\', '\n' or '\r' is written with
// those characters as "\\\\", "\\n", "\\r" and the whole line starts with one '\\', so every
// entry stays on one line and a leading '\\' can never be part of a plain digest. The BSD tag
// form ("SHA256 (path) = <hex>", sha256sum --tag) is read too, and so is the reversed BSD
// form "<hex> <path>" with ONE space (`md5 -r`, `cksum -r`), under GNU coreutils 9's rule:
// the first untagged line of a run decides. If it has two characters between digest and name
// ("<hex>  <path>" / "<hex> *<path>"), every later one-space line is improperly formatted; if
// it has one, every later line's name starts right after the first separator (so a later
// "<hex>  name" names " name"). The decision holds across all the lists of one run
// (`sha256sum -c a b`), and tagged lines take no part in it. Blank lines and lines starting
// with '#' are skipped when reading, like GNU; a trailing '\r' (a list edited on Windows) is
// ignored, since a real '\r' in a name is always escaped.
//
// Everything here is a pure function on strings: no I/O, thread-safe.
#ifndef FERRY_BASE_CHECKSUM_LIST_H_
#define FERRY_BASE_CHECKSUM_LIST_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/hasher.h"
#include "ferry/status.h"

namespace ferry {

// True if GNU sha256sum would escape `name` in its output ('\\', '\n' or '\r' in it).
bool ChecksumNameNeedsEscape(std::string_view name);

// `name` with '\\', '\n', '\r' replaced by "\\\\", "\\n", "\\r" (no leading marker).
std::string EscapeChecksumName(std::string_view name);

// The inverse of EscapeChecksumName; std::nullopt if `escaped` holds any other escape or ends
// in a lone '\\' (GNU rejects such a line as improperly formatted).
std::optional<std::string> UnescapeChecksumName(std::string_view escaped);

// One line exactly as sha256sum / md5sum print it, with its trailing '\n':
// "<hex>  <path>\n", or "\\<hex>  <escaped path>\n" when the path needs escaping.
std::string FormatChecksumLine(std::string_view hex, std::string_view path);

// One line of `--check` output exactly as GNU coreutils 9 prints it, with its '\n':
// "<path>: <result>\n". GNU escapes the name here (with the leading '\\') only when it
// contains a newline, so that is what this does too.
std::string FormatCheckResultLine(std::string_view path, std::string_view result);

// One parsed entry of a checksum list.
struct ChecksumLine {
  std::string hex;   // lowercase; 32 (md5) or 64 (sha256) hex digits
  std::string path;  // unescaped
  bool binary = false;  // written as "<hex> *<path>"
  // Set for the BSD tag form, which names its algorithm; unset for "<hex>  <path>" lines,
  // whose algorithm is given by the caller or inferred from hex.size().
  std::optional<HashAlgorithm> tagged_algo;
};

// Which untagged form a run of lists settled on (see the top of this file).
enum class UntaggedForm { kUndecided, kGnu, kReversed };

// Parses one line (without its '\n'). Returns std::nullopt for a line to skip (blank, or a
// '#' comment) and kInvalidArgument for an improperly formatted line. `form` carries the run's
// decision from line to line (nullptr: this line alone, as if first).
Result<std::optional<ChecksumLine>> ParseChecksumLine(std::string_view line,
                                                      UntaggedForm* form = nullptr);

struct ChecksumListEntry {
  size_t line_number = 0;  // 1-based
  ChecksumLine line;
};

struct ParsedChecksumList {
  std::vector<ChecksumListEntry> entries;  // in file order
  std::vector<size_t> malformed_lines;     // 1-based line numbers, ascending
};

// Splits `content` into lines and parses each; a final line without '\n' counts. Pass the
// same `form` for every list of one run (nullptr: this list alone).
ParsedChecksumList ParseChecksumList(std::string_view content, UntaggedForm* form = nullptr);

}  // namespace ferry

#endif  // FERRY_BASE_CHECKSUM_LIST_H_
