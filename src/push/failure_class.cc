#include "push/failure_class.h"

#include <cctype>
#include <optional>
#include <vector>

namespace ferry::push {
namespace {

struct Pattern {
  std::string_view text;  // matched case-insensitively, anywhere in a line
  FailureKind kind;
  std::string_view also = {};  // when set, the line must contain this too
};

// Checked line by line, in this order of kinds: a line that says "Permission denied
// (publickey)" decides even when a later line says "connection unexpectedly closed".
constexpr Pattern kPatterns[] = {
    // Remote authentication (ssh, rclone's sftp).
    {"permission denied (publickey", FailureKind::kAuth},
    {"permission denied (password", FailureKind::kAuth},
    {"permission denied (keyboard-interactive", FailureKind::kAuth},
    {"permission denied (gssapi", FailureKind::kAuth},
    {"permission denied (hostbased", FailureKind::kAuth},
    {"host key verification failed", FailureKind::kAuth},
    {"too many authentication failures", FailureKind::kAuth},
    {"unable to authenticate", FailureKind::kAuth},
    // rsync's exit 127: the remote shell found no rsync on the NAS.
    {"remote command not found", FailureKind::kMissingBinary},
    // Bytes that arrived different.
    {"failed verification", FailureKind::kHashMismatch},
    {"corrupted on transfer", FailureKind::kHashMismatch},
    {"hash differ", FailureKind::kHashMismatch},
    // The run vanished locally (rsync [sender], rclone's source side).
    {"file has vanished", FailureKind::kLocalFileVanished},
    {"[sender] change_dir", FailureKind::kLocalFileVanished, "no such file"},
    {"[sender] link_stat", FailureKind::kLocalFileVanished, "no such file"},
    {"[sender] change_dir", FailureKind::kLocalIo},
    {"[sender] link_stat", FailureKind::kLocalIo},
    {"error reading source root directory", FailureKind::kLocalFileVanished},
    // A local file we cannot read: our disk, not the NAS.
    {"[sender] send_files failed to open", FailureKind::kLocalIo},
    {"[sender] opendir", FailureKind::kLocalIo},
    {"[sender] read errors", FailureKind::kLocalIo},
    {"failed to open source object", FailureKind::kLocalIo},
    // The NAS could not be reached, or the link broke.
    {"connection refused", FailureKind::kNetwork},
    {"connection timed out", FailureKind::kNetwork},
    {"connection reset", FailureKind::kNetwork},
    {"could not resolve hostname", FailureKind::kNetwork},
    {"no route to host", FailureKind::kNetwork},
    {"network is unreachable", FailureKind::kNetwork},
    {"no such host", FailureKind::kNetwork},
    {"dial tcp", FailureKind::kNetwork},
    {"i/o timeout", FailureKind::kNetwork},
    {"broken pipe", FailureKind::kNetwork},
    {"connection closed by", FailureKind::kNetwork},
    {"kex_exchange_identification", FailureKind::kNetwork},
    {"connection unexpectedly closed", FailureKind::kNetwork},
    // rclone: an unknown remote or a bad flag will not fix itself.
    {"didn't find section in config file", FailureKind::kFatal},
    {"invalid argument \"", FailureKind::kFatal},
};

constexpr FailureKind kKindOrder[] = {FailureKind::kAuth,         FailureKind::kMissingBinary,
                                      FailureKind::kHashMismatch, FailureKind::kLocalFileVanished,
                                      FailureKind::kLocalIo,      FailureKind::kNetwork,
                                      FailureKind::kFatal};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// rclone prefixes its log lines with "2026/12/02 14:15:49 "; the date says nothing here.
std::string_view WithoutRcloneTimestamp(std::string_view line) {
  if (line.size() > 20 && line[4] == '/' && line[7] == '/' && line[10] == ' ' && line[13] == ':' &&
      line[16] == ':' && line[19] == ' ') {
    line.remove_prefix(20);
  }
  return line;
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (!line.empty()) out.push_back(WithoutRcloneTimestamp(line));
    start = end + 1;
  }
  return out;
}

struct Match {
  FailureKind kind;
  std::string_view line;
};

std::optional<Match> MatchStderr(std::string_view stderr_text) {
  const std::vector<std::string_view> lines = Lines(stderr_text);
  std::vector<std::string> lowered;
  for (std::string_view l : lines) lowered.push_back(Lower(l));
  for (FailureKind kind : kKindOrder) {
    for (size_t i = 0; i < lines.size(); ++i) {
      for (const Pattern& p : kPatterns) {
        if (p.kind == kind && lowered[i].find(p.text) != std::string::npos &&
            (p.also.empty() || lowered[i].find(p.also) != std::string::npos)) {
          return Match{kind, lines[i]};
        }
      }
    }
  }
  return std::nullopt;
}

// The line that best explains an unmatched failure: the first one (rsync and rclone print the
// cause first and the summary last).
std::string_view FirstLine(std::string_view stderr_text) {
  const std::vector<std::string_view> lines = Lines(stderr_text);
  return lines.empty() ? std::string_view() : lines.front();
}

Classification Make(FailureKind kind, std::string_view program, const CommandResult& r,
                    std::string_view line) {
  std::string message(program);
  if (r.timed_out) {
    message += " timed out after " + std::to_string(r.duration_ms / 1000) + " s";
  } else if (r.term_signal != 0) {
    message += " killed by signal " + std::to_string(r.term_signal);
  } else {
    message += " exit " + std::to_string(r.exit_code);
  }
  if (!line.empty()) message += ": " + std::string(line);
  return Classification{kind, std::move(message)};
}

// Timeouts and stderr patterns, shared by the three programs.
std::optional<Classification> Common(std::string_view program, const CommandResult& r) {
  if (r.timed_out) return Make(FailureKind::kNetwork, program, r, FirstLine(r.stderr_text));
  if (std::optional<Match> m = MatchStderr(r.stderr_text)) {
    return Make(m->kind, program, r, m->line);
  }
  return std::nullopt;
}

FailureKind RsyncExitKind(int code) {
  switch (code) {
    case 1:  // syntax or usage error
    case 2:  // protocol incompatibility
    case 4:  // requested action not supported
      return FailureKind::kFatal;
    case 5:    // error starting client-server protocol
    case 10:   // error in socket I/O
    case 12:   // error in rsync protocol data stream (the connection dropped)
    case 30:   // timeout in data send/receive
    case 35:   // timeout waiting for daemon connection
    case 255:  // ssh failed (auth was matched on stderr before this)
      return FailureKind::kNetwork;
    case 24:  // partial transfer due to vanished source files
      return FailureKind::kLocalFileVanished;
    case 127:  // rsync not installed on the NAS (remote command not found)
      return FailureKind::kMissingBinary;
    default:  // 3, 6, 11, 13, 14, 20-23, 25: other, retried with backoff
      return FailureKind::kOther;
  }
}

FailureKind RcloneExitKind(int code) {
  switch (code) {
    case 5:  // temporary error (retries might fix)
      return FailureKind::kNetwork;
    case 7:  // fatal error (quota, account suspended): more retries will not fix
      return FailureKind::kFatal;
    default:  // 1 usage or NewFs error, 2 uncategorised, 3/4 not found, 6, 8, 9, 10
      return FailureKind::kOther;
  }
}

}  // namespace

Classification ClassifyRsync(const CommandResult& result) {
  if (auto c = Common("rsync", result)) return *c;
  return Make(RsyncExitKind(result.exit_code), "rsync", result, FirstLine(result.stderr_text));
}

Classification ClassifySsh(const CommandResult& result) {
  if (auto c = Common("ssh", result)) return *c;
  FailureKind kind = FailureKind::kOther;  // the remote command's own exit code
  if (result.exit_code == 255) kind = FailureKind::kNetwork;
  if (result.exit_code == 127) kind = FailureKind::kMissingBinary;  // not installed on the NAS
  return Make(kind, "ssh", result, FirstLine(result.stderr_text));
}

Classification ClassifyRclone(const CommandResult& result) {
  if (auto c = Common("rclone", result)) return *c;
  return Make(RcloneExitKind(result.exit_code), "rclone", result, FirstLine(result.stderr_text));
}

Classification ClassifyStartFailure(const Status& status, std::string_view program) {
  if (status.code() == StatusCode::kNotFound || status.code() == StatusCode::kPermissionDenied) {
    return Classification{FailureKind::kMissingBinary, status.message()};
  }
  return Classification{FailureKind::kOther,
                        "cannot start " + std::string(program) + ": " + status.message()};
}

}  // namespace ferry::push
