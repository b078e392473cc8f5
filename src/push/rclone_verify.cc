#include "push/rclone_verify.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace ferry::push {
namespace {

constexpr size_t kSha256HexLength = 64;

std::string CacheExclude(const std::string& cache_dir) { return "/" + cache_dir + "/**"; }

CommandSpec Spec(std::vector<std::string> argv, const RcloneRemoteRequest& request) {
  CommandSpec spec;
  spec.argv = std::move(argv);
  spec.env_overrides = request.env;
  spec.timeout_ms = request.timeout_ms;
  return spec;
}

// Calls `f(line, number)` for each line of `text` (the last one may lack its '\n').
template <typename F>
Status ForEachLine(std::string_view text, F f) {
  size_t number = 0;
  while (!text.empty()) {
    ++number;
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    FERRY_RETURN_IF_ERROR(f(line, number));
  }
  return Status::OK();
}

bool Contains(const std::string& text, std::string_view what) {
  return text.find(what) != std::string::npos;
}

// rclone exits 3 ("directory not found") for a NAS dir that does not exist.
bool NasDirMissing(const CommandResult& r) {
  return r.exit_code == 3 && Contains(r.stderr_text, "directory not found");
}

// The backend has no SHA-256 (sftp in v1.60.1 without a sha256sum command).
bool HashUnsupported(const CommandResult& r) {
  return r.exit_code != 0 && (Contains(r.stderr_text, "hash type not supported") ||
                              Contains(r.stderr_text, "hash unsupported"));
}

void FailWith(RemoteAttempt* attempt, FailureKind kind, std::string message) {
  attempt->outcome = RemoteAttempt::Outcome::kFailed;
  attempt->failure = {kind, std::move(message)};
}

void FailIfNotPassed(RemoteVerification* v, const std::string& nas_path) {
  if (!v->report.passed()) {
    FailWith(&v->attempt, FailureKind::kHashMismatch,
             "NAS copy " + nas_path + ": " + v->report.Summary());
  }
}

// The fallback: read the NAS copy back and compare it with the run, then with the manifest.
RemoteVerification VerifyByDownload(CommandRunner* runner,
                                    const std::vector<ManifestEntry>& manifest,
                                    const RcloneRemoteRequest& request,
                                    const std::atomic<bool>* cancel) {
  RemoteVerification v;
  v.attempt = ToRemoteAttempt(runner->Run(Spec(RcloneCheckArgv(request), request), cancel),
                              "rclone", &ClassifyRclone);
  if (v.attempt.outcome == RemoteAttempt::Outcome::kCancelled) return v;
  if (!v.attempt.result.ok() && v.attempt.result.exit_code != 1) return v;  // classified
  Result<std::vector<CheckLine>> check = ParseRcloneCombined(v.attempt.result.stdout_text);
  if (!check.ok()) {
    FailWith(&v.attempt, FailureKind::kOther, "rclone check: " + check.status().message());
    return v;
  }
  // Exit 1 is "differences found" only when the report covers every file; otherwise rclone
  // stopped early (a dropped connection) and what it said is no verdict.
  std::set<std::string> reported;
  for (const CheckLine& l : *check) reported.insert(l.path);
  for (const ManifestEntry& e : manifest) {
    if (reported.count(e.path) == 0 && !v.attempt.result.ok()) return v;  // classified
  }
  v.attempt.outcome = RemoteAttempt::Outcome::kDone;
  v.attempt.failure = {};
  v.report = CompareCheckWithManifest(manifest, *check);
  FailIfNotPassed(&v, request.nas_path);
  return v;
}

}  // namespace

std::vector<std::string> RcloneHashsumArgv(const RcloneRemoteRequest& request) {
  return {"rclone",        "hashsum", "sha256", "--exclude", CacheExclude(request.cache_dir),
          request.nas_path};
}

std::vector<std::string> RcloneCheckArgv(const RcloneRemoteRequest& request) {
  return {"rclone",
          "check",
          "--download",
          "--combined",
          "-",
          "--exclude",
          CacheExclude(request.cache_dir),
          request.run_dir,
          request.nas_path};
}

std::vector<std::string> RcloneListingArgv(const RcloneRemoteRequest& request) {
  return {"rclone",       "lsjson",        "-R", "--files-only", "--no-mimetype",
          "--no-modtime", request.nas_path};
}

Result<RcloneHashes> ParseRcloneHashsum(std::string_view output) {
  RcloneHashes hashes;
  Status s = ForEachLine(output, [&](std::string_view line, size_t number) -> Status {
    // "%*s  %s": the hash right-aligned in 64 columns (all spaces when blank), two spaces, path.
    if (line.size() < kSha256HexLength + 3 || line.substr(kSha256HexLength, 2) != "  ") {
      return Status::Corruption("rclone hashsum output line " + std::to_string(number) +
                                ": not \"<sha256>  <path>\"");
    }
    const std::string_view hex = line.substr(0, kSha256HexLength);
    std::string path(line.substr(kSha256HexLength + 2));
    if (hex.find_first_not_of(' ') == std::string_view::npos) {
      hashes.blank = true;
      return Status::OK();
    }
    if (hex.find_first_not_of("0123456789abcdef") != std::string_view::npos) {
      return Status::Corruption("rclone hashsum output line " + std::to_string(number) +
                                ": not a SHA-256 digest");
    }
    hashes.entries.push_back({std::move(path), std::string(hex), 0});
    return Status::OK();
  });
  if (!s.ok()) return s;
  return hashes;
}

Result<std::vector<CheckLine>> ParseRcloneCombined(std::string_view output) {
  std::vector<CheckLine> lines;
  Status s = ForEachLine(output, [&](std::string_view line, size_t number) -> Status {
    if (line.size() < 3 || line[1] != ' ' ||
        std::string_view("=*+-!").find(line[0]) == std::string_view::npos) {
      return Status::Corruption("rclone check report line " + std::to_string(number) +
                                ": not \"<=|*|+|-|!> <path>\"");
    }
    lines.push_back({line[0], std::string(line.substr(2))});
    return Status::OK();
  });
  if (!s.ok()) return s;
  return lines;
}

VerifyReport CompareCheckWithManifest(const std::vector<ManifestEntry>& manifest,
                                      const std::vector<CheckLine>& check) {
  std::map<std::string, char> mark;
  for (const CheckLine& l : check) mark[l.path] = l.mark;
  VerifyReport report;
  std::set<std::string> expected;
  for (const ManifestEntry& e : manifest) {
    expected.insert(e.path);
    auto it = mark.find(e.path);
    if (it == mark.end() || it->second == '+') {
      report.missing.push_back(e.path);
    } else if (it->second == '=') {
      ++report.matched;
    } else {
      report.different.push_back(e.path);
    }
  }
  for (const auto& [path, m] : mark) {
    if (m == '-' && expected.count(path) == 0) report.extra.push_back(path);
  }
  std::sort(report.missing.begin(), report.missing.end());
  std::sort(report.different.begin(), report.different.end());
  return report;
}

Result<std::vector<RemoteFile>> ParseRcloneListing(std::string_view output) {
  const nlohmann::json doc = nlohmann::json::parse(output, nullptr, /*allow_exceptions=*/false);
  const Status bad = Status::Corruption(
      "rclone lsjson output: not a JSON array of objects with \"Path\" and \"Size\"");
  if (!doc.is_array()) return bad;
  std::vector<RemoteFile> files;
  files.reserve(doc.size());
  for (const nlohmann::json& item : doc) {
    if (!item.is_object() || !item.contains("Path") || !item["Path"].is_string() ||
        !item.contains("Size") || !item["Size"].is_number_unsigned()) {
      return bad;
    }
    files.push_back({item["Path"].get<std::string>(), item["Size"].get<uint64_t>()});
  }
  return files;
}

Result<RemoteVerification> VerifyRunWithRclone(CommandRunner* runner, Env* env,
                                               const RcloneRemoteRequest& request,
                                               const std::atomic<bool>* cancel) {
  // The local side first: without a readable manifest there is nothing to compare with.
  FERRY_ASSIGN_OR_RETURN(std::vector<ManifestEntry> manifest,
                         ReadRunManifest(env, request.run_dir, request.cache_dir));
  RemoteVerification v;
  v.attempt = ToRemoteAttempt(runner->Run(Spec(RcloneHashsumArgv(request), request), cancel),
                              "rclone", &ClassifyRclone);
  const CommandResult& r = v.attempt.result;
  if (v.attempt.outcome == RemoteAttempt::Outcome::kCancelled) return v;
  if (HashUnsupported(r)) return VerifyByDownload(runner, manifest, request, cancel);
  std::vector<ManifestEntry> remote;  // stays empty for a NAS dir that is gone
  if (!NasDirMissing(r)) {
    if (!v.attempt.done()) return v;  // classified
    Result<RcloneHashes> hashes = ParseRcloneHashsum(r.stdout_text);
    if (!hashes.ok()) {
      FailWith(&v.attempt, FailureKind::kOther, hashes.status().message());
      return v;
    }
    if (hashes->blank) return VerifyByDownload(runner, manifest, request, cancel);
    remote = std::move(hashes->entries);
  }
  v.attempt.outcome = RemoteAttempt::Outcome::kDone;
  v.attempt.failure = {};
  v.report = CompareWithManifest(manifest, remote);
  FailIfNotPassed(&v, request.nas_path);
  return v;
}

RemoteListing ListRcloneRun(CommandRunner* runner, const RcloneRemoteRequest& request,
                            const std::atomic<bool>* cancel) {
  RemoteListing listing;
  listing.attempt = ToRemoteAttempt(runner->Run(Spec(RcloneListingArgv(request), request), cancel),
                                    "rclone", &ClassifyRclone);
  if (NasDirMissing(listing.attempt.result)) {
    listing.attempt.outcome = RemoteAttempt::Outcome::kDone;
    listing.attempt.failure = {};
    return listing;
  }
  if (!listing.attempt.done()) return listing;
  Result<std::vector<RemoteFile>> files = ParseRcloneListing(listing.attempt.result.stdout_text);
  if (!files.ok()) {
    FailWith(&listing.attempt, FailureKind::kOther, files.status().message());
    return listing;
  }
  listing.files = std::move(*files);
  return listing;
}

}  // namespace ferry::push
