// `ferry hash`: print or check SHA-256 / MD5 digests, byte for byte like GNU sha256sum /
// md5sum (coreutils 9), with files hashed in parallel. The engine pieces live in base/
// (hash_targets: what to hash; parallel_hash: hashing in order; checksum_list: the format;
// checksum_verify: --check's verdicts); this file parses options, renders text or JSON and
// maps outcomes to exit codes.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/checksum_list.h"
#include "base/checksum_verify.h"
#include "base/hash_targets.h"
#include "base/hasher.h"
#include "base/parallel_hash.h"
#include "base/thread_pool.h"
#include "cli/command.h"
#include "cli/exit_codes.h"

namespace ferry::cli {
namespace {

constexpr char kHashFooter[] =
    "Output is exactly sha256sum's / md5sum's: '<hex>  <path>' per file; a path containing "
    "'\\', a newline or a carriage return is escaped ('\\\\', '\\n', '\\r') and its line starts "
    "with '\\'.\n"
    "A directory is walked recursively: regular files, and symlinks to regular files (hashed "
    "through the link); symlinked directories are not entered, dangling links, FIFOs, sockets "
    "and devices are skipped. Walked paths are the argument joined with the relative path, "
    "sorted in byte order (like `find DIR -type f | LC_ALL=C sort`). Output follows the "
    "argument order, then the walk order, whatever --jobs is. '-' reads standard input.\n"
    "--check reads lists written by sha256sum/md5sum ('<hex>  <path>', '<hex> *<path>', "
    "'\\'-escaped names, and the --tag form 'SHA256 (<path>) = <hex>') and the one-space "
    "'<hex> <path>' of md5 -r, under GNU's rule: the first untagged line of a run decides "
    "which of those forms every later one must be; without --algo the "
    "algorithm of each line follows from its digest length (32: md5, 64: sha256). Paths in a "
    "list are relative to the current directory. With -q, OK lines are not printed.\n"
    "Exit codes: 0 all hashed / all OK; 1 a path could not be read, a digest did not match, "
    "or a list line is improperly formatted; 2 bad usage, unreadable list, or a list without "
    "one valid line.\n";

// Reads standard input for the path "-", as sha256sum does; every other path goes to the
// real Env. Lives here because only the command line has a standard input worth hashing.
class StdinSequentialFile final : public SequentialFile {
 public:
  Result<size_t> Read(char* buf, size_t n) override {
    while (true) {
      ssize_t r = ::read(STDIN_FILENO, buf, n);
      if (r >= 0) return static_cast<size_t>(r);
      if (errno == EINTR) continue;
      return Status::IoError(std::string("read -: ") + std::strerror(errno));
    }
  }
  Status Skip(uint64_t) override {
    return Status::NotSupported("skip -: standard input cannot skip");
  }
};

class StdinAwareEnv final : public EnvWrapper {
 public:
  explicit StdinAwareEnv(Env* target) : EnvWrapper(target) {}
  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) override {
    if (path == "-") return std::unique_ptr<SequentialFile>(new StdinSequentialFile());
    return EnvWrapper::NewSequentialFile(path);
  }
};

// A path as it may appear inside a one-line message: escaped like a checksum line if it holds
// a newline (or '\\' / '\r'), so one error is always one line.
std::string PrintablePath(const std::string& path) {
  return ChecksumNameNeedsEscape(path) ? EscapeChecksumName(path) : path;
}

// The Env's message is "<op> <path>: <reason>"; the user needs only the reason, since the
// line already names the path.
std::string ReasonOf(const Status& status, const std::string& path) {
  const std::string& msg = status.message();
  std::string marker = path + ": ";
  size_t at = msg.find(marker);
  return at == std::string::npos ? msg : msg.substr(at + marker.size());
}

std::string HintFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kNotFound:
      return "check the path";
    case StatusCode::kPermissionDenied:
      return "check its permissions, or run as a user who may read it";
    default:
      return "check that the path names a readable file and that its disk is healthy";
  }
}

// "ferry: <what>: <path>: <reason>; <what to do>" on stderr.
void PrintPathError(const char* what, const std::string& path, const Status& status) {
  std::fprintf(stderr, "ferry: %s: %s: %s; %s\n", what, PrintablePath(path).c_str(),
               ReasonOf(status, path).c_str(), HintFor(status).c_str());
}

// Flushes stdout; a digest list that did not fully reach its file or pipe (disk full, closed
// pipe) must not look like success.
bool FlushOutput() {
  if (std::fflush(stdout) == 0 && !std::ferror(stdout)) return true;
  std::fprintf(stderr, "ferry: cannot write output: %s; check the disk or pipe it goes to\n",
               std::strerror(errno));
  return false;
}

std::string Plural(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// Streams a JSON array to stdout one element at a time, so output memory does not grow with
// the number of files.
class JsonArrayWriter {
 public:
  explicit JsonArrayWriter(bool enabled) : enabled_(enabled) {}
  void Add(const nlohmann::ordered_json& element) {
    if (!enabled_) return;
    // File names need not be UTF-8; JSON strings must be. Replacing invalid bytes (U+FFFD)
    // keeps the output valid; the text mode output stays exact.
    std::string text =
        element.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    std::fputs(first_ ? "[\n  " : ",\n  ", stdout);
    std::fputs(text.c_str(), stdout);
    first_ = false;
  }
  void Finish() {
    if (enabled_) std::fputs(first_ ? "[]\n" : "\n]\n", stdout);
  }

 private:
  bool enabled_;
  bool first_ = true;
};

class HashCommand : public Command {
 public:
  void Configure(CLI::App* app) override {
    app->add_option("PATH", paths_,
                    "Files or directories to hash ('-' or nothing: standard input); with "
                    "--check, more checksum lists");
    app->add_option("-a,--algo", algo_name_, "Digest algorithm: sha256 (default) or md5");
    app->add_option("-j,--jobs", jobs_,
                    "Files hashed at once (default: number of cores, here " +
                        std::to_string(ThreadPool::DefaultThreadCount()) + ")")
        ->check(CLI::PositiveNumber);
    app->add_option("-c,--check", check_file_,
                    "Verify the files listed in FILE (written by sha256sum, md5sum or ferry "
                    "hash), like sha256sum -c")
        ->type_name("FILE");
    app->add_flag("--ignore-missing", ignore_missing_,
                  "With --check: do not fail or report for listed files that do not exist");
    app->add_flag("--strict", strict_,
                  "With --check: fail on improperly formatted lines (always on; accepted for "
                  "sha256sum compatibility)");
    app->footer(kHashFooter);
  }

  int Run(const GlobalOptions& global) override {
    std::optional<HashAlgorithm> algo;
    if (!algo_name_.empty()) {
      Result<HashAlgorithm> parsed = ParseHashAlgorithm(algo_name_);
      if (!parsed.ok()) return ReportFailure(global, parsed.status());
      algo = *parsed;
    }
    if (jobs_ == 0) jobs_ = ThreadPool::DefaultThreadCount();
    StdinAwareEnv env(Env::Default());
    if (!check_file_.empty()) return RunCheck(&env, algo, global);
    if (ignore_missing_) {
      return ReportFailure(
          global, Status::InvalidArgument("--ignore-missing only makes sense with --check FILE"));
    }
    return RunHash(&env, algo.value_or(HashAlgorithm::kSha256), global);
  }

 private:
  int RunHash(Env* env, HashAlgorithm algo, const GlobalOptions& global) {
    if (paths_.empty()) paths_.push_back("-");
    std::vector<HashTarget> targets = ExpandHashTargets(env, paths_);
    std::vector<HashJob> jobs;
    std::vector<size_t> job_target;  // jobs[i] hashes targets[job_target[i]]
    for (size_t t = 0; t < targets.size(); ++t) {
      if (targets[t].error.ok()) {
        jobs.push_back({targets[t].path, algo});
        job_target.push_back(t);
      }
    }

    JsonArrayWriter json(global.json);
    const std::string algo_name(HashAlgorithmName(algo));
    bool failed = false;
    auto report_error = [&](const std::string& path, const Status& status) {
      failed = true;
      PrintPathError("cannot hash", path, status);
      json.Add({{"path", path}, {"algo", algo_name}, {"error", status.message()}});
    };
    size_t next_target = 0;
    // Targets that failed before hashing (missing, unlistable) are reported at their place in
    // the order, between the digests around them.
    auto flush_errors_before = [&](size_t target) {
      for (; next_target < target; ++next_target) {
        report_error(targets[next_target].path, targets[next_target].error);
      }
    };
    ParallelHashFiles(env, jobs, jobs_, [&](size_t i, Result<std::string> digest) {
      flush_errors_before(job_target[i]);
      ++next_target;
      const std::string& path = targets[job_target[i]].path;
      if (!digest.ok()) {
        report_error(path, digest.status());
        return;
      }
      if (global.json) {
        json.Add({{"path", path}, {"algo", algo_name}, {"digest", *digest}});
      } else {
        std::string line = FormatChecksumLine(*digest, path);
        std::fwrite(line.data(), 1, line.size(), stdout);
      }
    });
    flush_errors_before(targets.size());
    json.Finish();
    if (!FlushOutput()) failed = true;
    return failed ? kExitPartial : kExitOk;
  }

  // Renders base/checksum_verify.h's verdicts the way sha256sum -c prints them: per file
  // "<path>: OK|FAILED|FAILED open or read" on stdout (as each is known), reasons and
  // warnings on stderr.
  int RunCheck(Env* env, std::optional<HashAlgorithm> algo, const GlobalOptions& global) {
    std::vector<std::string> lists = {check_file_};
    lists.insert(lists.end(), paths_.begin(), paths_.end());
    JsonArrayWriter json(global.json);
    bool usage_error = false;
    size_t malformed = 0, unreadable = 0, mismatched = 0, unverified_lists = 0;
    // Like GNU, the first untagged line of the run decides between "<hex>  <path>" and the
    // one-space "<hex> <path>" for every list that follows (base/checksum_list.h).
    UntaggedForm form = UntaggedForm::kUndecided;

    ChecksumVerifyOptions options;
    options.algo = algo;
    options.threads = jobs_;
    options.ignore_missing = ignore_missing_;
    options.on_file = [&](const FileCheck& check) { RenderFileCheck(check, global, &json); };

    for (const std::string& list : lists) {
      // GNU names standard input this way in its messages.
      const std::string list_name = list == "-" ? "'standard input'" : PrintablePath(list);
      Result<std::string> content = ReadChecksumList(env, list);
      if (!content.ok()) {
        usage_error = true;
        PrintPathError("cannot read checksum list", list, content.status());
        json.Add({{"list", list}, {"result", "unreadable"}, {"error", content.status().message()}});
        continue;
      }
      ChecksumListPlan plan = PlanChecksumList(*content, options, &form);
      // Malformed lines are known before any file is hashed, so they are reported first.
      for (size_t line : plan.malformed_lines) {
        std::fprintf(stderr,
                     "ferry: %s:%zu: improperly formatted checksum line; expected '<hex>  "
                     "<path>' as sha256sum or md5sum writes it\n",
                     list_name.c_str(), line);
        json.Add({{"list", list}, {"line", line}, {"result", "malformed"}});
      }
      malformed += plan.malformed_lines.size();
      if (plan.checks.empty()) {
        usage_error = true;
        std::fprintf(stderr,
                     "ferry: %s: no properly formatted checksum lines found; expected "
                     "'<hex>  <path>' lines as sha256sum or md5sum writes them\n",
                     list_name.c_str());
        json.Add({{"list", list}, {"result", "no_valid_lines"}});
        continue;
      }
      ChecksumListCheck check = VerifyPlannedChecksums(env, std::move(plan), options);
      unreadable += check.missing + check.unreadable;
      mismatched += check.mismatched;
      if (ignore_missing_ && check.verified() == 0) {
        // Like GNU: a list whose every file is missing proves nothing, which is a failure.
        ++unverified_lists;
        std::fprintf(stderr,
                     "ferry: %s: no file was verified; check that the listed paths "
                     "are relative to the current directory\n",
                     list_name.c_str());
      }
    }
    json.Finish();
    bool output_ok = FlushOutput();

    if (malformed > 0) {
      std::fprintf(stderr, "ferry: WARNING: %s improperly formatted\n",
                   Plural(malformed, "line is", "lines are").c_str());
    }
    if (unreadable > 0) {
      std::fprintf(stderr, "ferry: WARNING: %s could not be read\n",
                   Plural(unreadable, "listed file", "listed files").c_str());
    }
    if (mismatched > 0) {
      std::fprintf(stderr, "ferry: WARNING: %s did NOT match\n",
                   Plural(mismatched, "computed checksum", "computed checksums").c_str());
    }
    if (usage_error) return kExitUsage;
    bool all_ok = output_ok && malformed + unreadable + mismatched + unverified_lists == 0;
    return all_ok ? kExitOk : kExitPartial;
  }

  // One file's verdict: "<path>: OK|FAILED|FAILED open or read" (OK lines hidden by -q), and
  // the reason on stderr for a file that could not be read; or its JSON element.
  static void RenderFileCheck(const FileCheck& check, const GlobalOptions& global,
                              JsonArrayWriter* json) {
    nlohmann::ordered_json result = {{"path", check.path},
                                     {"algo", std::string(HashAlgorithmName(check.algo))},
                                     {"expected", check.expected}};
    switch (check.outcome) {
      case FileCheckOutcome::kMissing:
      case FileCheckOutcome::kUnreadable:
        PrintPathError("cannot read", check.path, check.error);
        result["result"] = "unreadable";
        result["error"] = check.error.message();
        if (!global.json) PrintResult(check.path, "FAILED open or read");
        break;
      case FileCheckOutcome::kOk:
      case FileCheckOutcome::kMismatch: {
        bool ok = check.outcome == FileCheckOutcome::kOk;
        result["actual"] = check.actual;
        result["result"] = ok ? "ok" : "failed";
        if (!global.json && (!ok || global.verbosity >= 0)) {
          PrintResult(check.path, ok ? "OK" : "FAILED");
        }
        break;
      }
    }
    json->Add(result);
  }

  static void PrintResult(const std::string& path, const char* result) {
    std::string line = FormatCheckResultLine(path, result);
    std::fwrite(line.data(), 1, line.size(), stdout);
  }

  std::vector<std::string> paths_;
  std::string algo_name_;
  size_t jobs_ = 0;
  std::string check_file_;
  bool ignore_missing_ = false;
  bool strict_ = false;
};

}  // namespace

std::unique_ptr<Command> NewHashCommand() { return std::make_unique<HashCommand>(); }

}  // namespace ferry::cli
