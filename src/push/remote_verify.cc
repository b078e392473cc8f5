#include "push/remote_verify.h"

#include <algorithm>
#include <map>
#include <set>

#include "base/checksum_list.h"
#include "base/file_util.h"
#include "base/path.h"
#include "push/rsync_transport.h"
#include "push/ssh_command.h"

namespace ferry::push {
namespace {

// A manifest of a million files is ~100 MB; anything bigger is not ours.
constexpr uint64_t kMaxManifestBytes = 256ull << 20;

std::string Names(const std::vector<std::string>& names) {
  constexpr size_t kShown = 3;
  std::string out;
  for (size_t i = 0; i < names.size() && i < kShown; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > kShown) out += " and " + std::to_string(names.size() - kShown) + " more";
  return out;
}

// Entries of a parsed sha256sum list; `where` names it in the error for a malformed line.
Result<std::vector<ManifestEntry>> ToEntries(std::string_view text, const std::string& where) {
  ParsedChecksumList list = ParseChecksumList(text);
  if (!list.malformed_lines.empty()) {
    return Status::Corruption(where + " line " + std::to_string(list.malformed_lines.front()) +
                              ": not a sha256sum line (\"<hex>  <path>\")");
  }
  std::vector<ManifestEntry> out;
  out.reserve(list.entries.size());
  for (ChecksumListEntry& e : list.entries) {
    if (e.line.hex.size() != 64) {
      return Status::Corruption(where + " line " + std::to_string(e.line_number) +
                                ": not a SHA-256 digest");
    }
    out.push_back({std::move(e.line.path), std::move(e.line.hex), 0});
  }
  return out;
}

}  // namespace

std::string VerifyReport::Summary() const {
  std::string out = std::to_string(matched) + " files match";
  if (!missing.empty()) {
    out += "; " + std::to_string(missing.size()) + " missing on the NAS: " + Names(missing);
  }
  if (!different.empty()) {
    out += "; " + std::to_string(different.size()) + " different: " + Names(different);
  }
  if (!extra.empty()) {
    out += "; " + std::to_string(extra.size()) + " extra on the NAS: " + Names(extra);
  }
  return out;
}

VerifyReport CompareWithManifest(const std::vector<ManifestEntry>& manifest,
                                 const std::vector<ManifestEntry>& remote) {
  std::map<std::string, std::string> on_nas;
  for (const ManifestEntry& e : remote) on_nas[e.path] = e.sha256;
  VerifyReport report;
  std::set<std::string> expected;
  for (const ManifestEntry& e : manifest) {
    expected.insert(e.path);
    auto it = on_nas.find(e.path);
    if (it == on_nas.end()) {
      report.missing.push_back(e.path);
    } else if (it->second != e.sha256) {
      report.different.push_back(e.path);
    } else {
      ++report.matched;
    }
  }
  for (const auto& [path, hex] : on_nas) {
    if (expected.count(path) == 0) report.extra.push_back(path);
  }
  std::sort(report.missing.begin(), report.missing.end());
  std::sort(report.different.begin(), report.different.end());
  return report;
}

Result<std::vector<ManifestEntry>> ReadRunManifest(Env* env, const std::string& run_dir,
                                                   const std::string& cache_dir) {
  const std::string path = RunManifestPath(run_dir, cache_dir);
  FERRY_ASSIGN_OR_RETURN(std::string text, ReadFileToString(env, path, kMaxManifestBytes));
  return ToEntries(text, path);
}

std::string RemoteSha256Command(const std::string& nas_path, const std::string& cache_dir,
                                size_t expected_files) {
  const std::string dir = ShellQuote(nas_path);
  const std::string find = "find . -path " + ShellQuote("./" + cache_dir) + " -prune -o -path " +
                           ShellQuote(std::string("./") + kRsyncPartialDir) + " -prune -o -type f";
  // Names OpenSSL would print ambiguously: it does not escape '\\' or '\r' the way GNU
  // does, and takes a leading '-' for an option.
  const std::string odd = "-path '*\\\\*' -o -path '*\n*' -o -path '*\r*' -o -path './-*'";
  const std::string plain = find + " ! \\( " + odd + " \\) -printf '%P\\0'";
  const std::string unusual = find + " \\( " + odd + " \\) -printf '%P\\0'";
  const std::string all = find + " -printf '%P\\0'";
  // The flush runs in the background while the files are hashed; `wait` makes the pass
  // depend on it. One hasher per NAS core, each writing whole lines (stdbuf -oL) into one
  // pipe (| cat), where a write of one line is atomic, so lines never interleave; without
  // stdbuf, or on one core, one at a time.
  return "if [ -d " + dir + " ]; then cd " + dir + " || exit 1; sync -f . & s=$!; " +
         "n=$(nproc 2>/dev/null || echo 1); b=$((" + std::to_string(expected_files) +
         " / (2 * n) + 1)); "
         "if [ \"$n\" -gt 1 ] && command -v stdbuf >/dev/null 2>&1; then "
         "each=\"xargs -0r -P $n -n $b stdbuf -oL\"; else each=\"xargs -0r\"; fi; { "
         "if openssl dgst -sha256 -r /dev/null >/dev/null 2>&1; then " +
         plain + " | $each openssl dgst -sha256 -r; " + unusual + " | $each sha256sum --; else " +
         all + " | $each sha256sum --; fi; } | cat; " +
         "wait \"$s\" || { echo \"sync -f failed on the NAS in \"" + dir +
         "\": the copy is not known to be on disk\" >&2; exit 1; }; fi";
}

std::string RemoteListingCommand(const std::string& nas_path) {
  const std::string dir = ShellQuote(nas_path);
  return "if [ -d " + dir + " ]; then cd " + dir + " && find . -type f -printf '%s %P\\0'; fi";
}

Result<std::vector<ManifestEntry>> ParseRemoteSha256(std::string_view output) {
  return ToEntries(output, "sha256sum output on the NAS");
}

Result<std::vector<RemoteFile>> ParseRemoteListing(std::string_view output) {
  std::vector<RemoteFile> files;
  size_t record = 0;
  while (!output.empty()) {
    ++record;
    const size_t end = output.find('\0');
    if (end == std::string_view::npos) {
      return Status::Corruption("listing of the NAS copy, record " + std::to_string(record) +
                                ": not NUL-terminated (output cut short?)");
    }
    const std::string_view rec = output.substr(0, end);
    output.remove_prefix(end + 1);
    const size_t space = rec.find(' ');
    RemoteFile f;
    bool ok = space != std::string_view::npos && space > 0 && space + 1 < rec.size();
    for (size_t i = 0; ok && i < space; ++i) {
      if (rec[i] < '0' || rec[i] > '9') ok = false;
      f.size = f.size * 10 + static_cast<uint64_t>(rec[i] - '0');
    }
    if (!ok) {
      return Status::Corruption("listing of the NAS copy, record " + std::to_string(record) +
                                ": not '<size> <path>'");
    }
    f.path = std::string(rec.substr(space + 1));
    files.push_back(std::move(f));
  }
  return files;
}

Result<RemoteVerification> VerifyRunOverSsh(CommandRunner* runner, Env* env,
                                            const TransportConfig& transport,
                                            const SshRemoteRequest& request,
                                            const std::atomic<bool>* cancel) {
  // The local side first: without a readable manifest there is nothing to compare with.
  FERRY_ASSIGN_OR_RETURN(std::vector<ManifestEntry> manifest,
                         ReadRunManifest(env, request.run_dir, request.cache_dir));
  CommandSpec spec;
  spec.argv = SshArgv(transport, request.home,
                      RemoteSha256Command(request.nas_path, request.cache_dir, manifest.size()));
  spec.timeout_ms = request.timeout_ms;
  RemoteVerification v;
  v.attempt = ToRemoteAttempt(runner->Run(spec, cancel), "ssh", &ClassifySsh);
  if (!v.attempt.done()) return v;
  Result<std::vector<ManifestEntry>> remote = ParseRemoteSha256(v.attempt.result.stdout_text);
  if (!remote.ok()) {
    v.attempt.outcome = RemoteAttempt::Outcome::kFailed;
    v.attempt.failure = {FailureKind::kOther, "ssh sha256sum: " + remote.status().message()};
    return v;
  }
  v.report = CompareWithManifest(manifest, *remote);
  if (!v.report.passed()) {
    v.attempt.outcome = RemoteAttempt::Outcome::kFailed;
    v.attempt.failure = {FailureKind::kHashMismatch,
                         "NAS copy " + request.nas_path + ": " + v.report.Summary()};
  }
  return v;
}

RemoteListing ListRemoteRun(CommandRunner* runner, const TransportConfig& transport,
                            const SshRemoteRequest& request, const std::atomic<bool>* cancel) {
  CommandSpec spec;
  spec.argv = SshArgv(transport, request.home, RemoteListingCommand(request.nas_path));
  spec.timeout_ms = request.timeout_ms;
  RemoteListing listing;
  listing.attempt = ToRemoteAttempt(runner->Run(spec, cancel), "ssh", &ClassifySsh);
  if (!listing.attempt.done()) return listing;
  Result<std::vector<RemoteFile>> files = ParseRemoteListing(listing.attempt.result.stdout_text);
  if (!files.ok()) {
    listing.attempt.outcome = RemoteAttempt::Outcome::kFailed;
    listing.attempt.failure = {FailureKind::kOther, "ssh find: " + files.status().message()};
    return listing;
  }
  listing.files = std::move(*files);
  return listing;
}

}  // namespace ferry::push
