#include "base/checksum_verify.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "base/parallel_hash.h"
#include "base/path.h"

namespace ferry {
namespace {

// With a base directory, a listed path must stay below it: not absolute, no ".." segment.
bool StaysBelowBase(std::string_view path) {
  if (!path.empty() && path.front() == '/') return false;
  for (std::string_view segment : PathSegments(path)) {
    if (segment == "..") return false;
  }
  return true;
}

void Report(const ChecksumVerifyOptions& options, const ProgressEvent& event) {
  if (options.progress != nullptr) options.progress->OnEvent(event);
}

// Counts `check` and hands it to the caller's hooks.
void Record(FileCheck check, const ChecksumVerifyOptions& options, ChecksumListCheck* result) {
  switch (check.outcome) {
    case FileCheckOutcome::kOk:
      ++result->ok;
      break;
    case FileCheckOutcome::kMismatch:
      ++result->mismatched;
      break;
    case FileCheckOutcome::kMissing:
      ++result->missing;
      break;
    case FileCheckOutcome::kUnreadable:
      ++result->unreadable;
      break;
  }
  ProgressEvent done;
  done.kind = ProgressEvent::Kind::kItemDone;
  done.item = check.path;
  done.ok = check.outcome == FileCheckOutcome::kOk;
  if (check.outcome == FileCheckOutcome::kMismatch) done.message = "FAILED";
  if (!check.error.ok()) done.message = check.error.message();
  Report(options, done);
  if (options.on_file) options.on_file(check);
  result->files.push_back(std::move(check));
}

}  // namespace

std::string_view FileCheckOutcomeName(FileCheckOutcome outcome) {
  switch (outcome) {
    case FileCheckOutcome::kOk:
      return "ok";
    case FileCheckOutcome::kMismatch:
      return "mismatch";
    case FileCheckOutcome::kMissing:
      return "missing";
    case FileCheckOutcome::kUnreadable:
      return "unreadable";
  }
  return "unreadable";
}

ChecksumListPlan PlanChecksumList(std::string_view content, const ChecksumVerifyOptions& options,
                                  UntaggedForm* form) {
  ChecksumListPlan plan;
  ParsedChecksumList parsed = ParseChecksumList(content, form);
  plan.malformed_lines = std::move(parsed.malformed_lines);
  for (ChecksumListEntry& entry : parsed.entries) {
    // A line that disagrees with a forced algorithm is improperly formatted for this run.
    Result<HashAlgorithm> line_algo = entry.line.tagged_algo
                                          ? Result<HashAlgorithm>(*entry.line.tagged_algo)
                                          : HashAlgorithmForHexLength(entry.line.hex.size());
    if (!line_algo.ok() || (options.algo && *line_algo != *options.algo)) {
      plan.malformed_lines.push_back(entry.line_number);
      continue;
    }
    FileCheck check;
    check.line_number = entry.line_number;
    check.path = std::move(entry.line.path);
    check.algo = *line_algo;
    check.expected = std::move(entry.line.hex);
    if (!options.base_dir.empty() && !StaysBelowBase(check.path)) {
      check.error = Status::InvalidArgument(
          "verify " + check.path + ": path leaves the list's directory " + options.base_dir);
    }
    plan.checks.push_back(std::move(check));
  }
  std::sort(plan.malformed_lines.begin(), plan.malformed_lines.end());
  return plan;
}

ChecksumListCheck VerifyPlannedChecksums(Env* env, ChecksumListPlan plan,
                                         const ChecksumVerifyOptions& options) {
  ChecksumListCheck result;
  result.malformed_lines = std::move(plan.malformed_lines);
  std::vector<FileCheck>& checks = plan.checks;
  result.valid_lines = checks.size();

  std::vector<HashJob> jobs;
  std::vector<size_t> job_check;  // jobs[i] decides checks[job_check[i]]
  for (size_t c = 0; c < checks.size(); ++c) {
    if (!checks[c].error.ok()) continue;  // refused by the plan; never opened
    const std::string& path = checks[c].path;
    jobs.push_back(
        {options.base_dir.empty() ? path : JoinPath(options.base_dir, path), checks[c].algo});
    job_check.push_back(c);
  }

  ProgressEvent start;
  start.kind = ProgressEvent::Kind::kPlan;
  start.files_total = checks.size();
  Report(options, start);

  // Refused checks before `upto` are recorded at their place in list order.
  size_t next = 0;
  auto record_until = [&](size_t upto) {
    for (; next < upto; ++next) {
      checks[next].outcome = FileCheckOutcome::kUnreadable;
      Record(std::move(checks[next]), options, &result);
    }
  };
  ParallelHashFiles(
      env, jobs, std::max<size_t>(options.threads, 1), [&](size_t i, Result<std::string> digest) {
        record_until(job_check[i]);
        FileCheck& check = checks[next++];
        if (!digest.ok()) {
          check.error = digest.status();
          if (check.error.IsNotFound()) {
            if (options.ignore_missing) {
              ++result.ignored_missing;
              return;
            }
            check.outcome = FileCheckOutcome::kMissing;
          } else {
            check.outcome = FileCheckOutcome::kUnreadable;
          }
        } else {
          check.actual = std::move(*digest);
          check.outcome =
              check.actual == check.expected ? FileCheckOutcome::kOk : FileCheckOutcome::kMismatch;
        }
        Record(std::move(check), options, &result);
      });
  record_until(checks.size());

  ProgressEvent finish;
  finish.kind = ProgressEvent::Kind::kFinish;
  finish.ok = result.all_ok();
  Report(options, finish);
  return result;
}

ChecksumListCheck VerifyChecksumList(Env* env, std::string_view content,
                                     const ChecksumVerifyOptions& options, UntaggedForm* form) {
  return VerifyPlannedChecksums(env, PlanChecksumList(content, options, form), options);
}

Result<std::string> ReadChecksumList(Env* env, const std::string& path) {
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> file, env->NewSequentialFile(path));
  std::string content;
  std::unique_ptr<char[]> buffer(new char[kHashBufferSize]);
  while (true) {
    FERRY_ASSIGN_OR_RETURN(size_t n, file->Read(buffer.get(), kHashBufferSize));
    if (n == 0) return content;
    content.append(buffer.get(), n);
  }
}

Result<ChecksumListCheck> VerifyChecksumFile(Env* env, const std::string& list_path,
                                             const ChecksumVerifyOptions& options) {
  FERRY_ASSIGN_OR_RETURN(std::string content, ReadChecksumList(env, list_path));
  return VerifyChecksumList(env, content, options);
}

}  // namespace ferry
