// Checksum verification: hashes the files a checksum list names and compares each with its
// listed digest. `ferry hash --check` renders the result as sha256sum -c does; `ferry push`
// proves a run's checksums.sha256 with the same code. Nothing here prints.
//
// - The list is parsed by base/checksum_list.h (GNU, tagged and one-space forms). A line's
//   algorithm is its tag, else `algo` when the caller forces one, else its digest length
//   (32: MD5, 64: SHA-256). A line whose algorithm disagrees with a forced `algo` counts as
//   malformed, like sha256sum's.
// - Listed paths are resolved against `base_dir` (empty: as they are, relative to the
//   process's current directory, like sha256sum). With a `base_dir`, a listed path that is
//   absolute or climbs out through ".." is not opened: it is unreadable, with an
//   InvalidArgument saying so, so a hostile list cannot make the verifier read elsewhere.
// - Files are hashed `threads` at a time (base/parallel_hash.h); outcomes come back in list
//   order whatever `threads` is.
// - Every outcome is a value: ok, mismatch (expected and actual digest), missing (the file
//   does not exist), unreadable (any other error, with the Env's message). A missing file is
//   left out entirely under `ignore_missing` (counted in `ignored_missing`).
//
// Thread-safety: the functions are reentrant; `env` must be thread-safe (every Env is).
// `on_file` and `progress` are called on the calling thread only, in list order.
#ifndef FERRY_BASE_CHECKSUM_VERIFY_H_
#define FERRY_BASE_CHECKSUM_VERIFY_H_

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/checksum_list.h"
#include "base/hasher.h"
#include "ferry/env.h"
#include "ferry/progress.h"
#include "ferry/status.h"

namespace ferry {

enum class FileCheckOutcome { kOk, kMismatch, kMissing, kUnreadable };

// "ok", "mismatch", "missing" or "unreadable".
std::string_view FileCheckOutcomeName(FileCheckOutcome outcome);

// The verdict on one listed file.
struct FileCheck {
  size_t line_number = 0;  // 1-based, in its list
  std::string path;        // as listed (unescaped), before joining with base_dir
  HashAlgorithm algo = HashAlgorithm::kSha256;
  std::string expected;  // lowercase hex, from the list
  std::string actual;    // kOk / kMismatch: the digest of the file's bytes; else empty
  FileCheckOutcome outcome = FileCheckOutcome::kUnreadable;
  Status error;  // kMissing / kUnreadable: why (the Env's message names the resolved path)
};

// The verdict on one list.
struct ChecksumListCheck {
  // 1-based numbers of improperly formatted lines (and of lines whose algorithm disagrees
  // with a forced one), ascending.
  std::vector<size_t> malformed_lines;
  // Well-formed lines (and hence files to check) the list has; 0 means the list proves
  // nothing, which callers treat as an unusable list.
  size_t valid_lines = 0;
  std::vector<FileCheck> files;  // one per valid line, in list order, minus ignored missing
  size_t ok = 0;
  size_t mismatched = 0;
  size_t missing = 0;
  size_t unreadable = 0;
  size_t ignored_missing = 0;

  // Files whose bytes were hashed (matching or not).
  size_t verified() const { return ok + mismatched; }
  // Every line well formed and every listed file present and matching (ignored missing
  // files aside), and at least one file verified.
  bool all_ok() const {
    return malformed_lines.empty() && valid_lines > 0 && mismatched + missing + unreadable == 0 &&
           verified() > 0;
  }
};

struct ChecksumVerifyOptions {
  std::optional<HashAlgorithm> algo;  // force one algorithm; unset: per line
  std::string base_dir;               // listed paths are relative to this; empty: as listed
  size_t threads = 1;                 // files hashed at once (at least 1)
  bool ignore_missing = false;        // leave out listed files that do not exist
  // Optional: kPlan (files_total) before hashing, kItemDone per file (ok, message "FAILED",
  // "missing" or the error) and kFinish after the last.
  ProgressSink* progress = nullptr;
  // Optional: each FileCheck as soon as it and all before it are known (for streaming
  // output); the same values end up in ChecksumListCheck::files.
  std::function<void(const FileCheck&)> on_file;
};

// The list parsed and checked for form, before any file is opened: what a run will verify.
struct ChecksumListPlan {
  std::vector<size_t> malformed_lines;  // as ChecksumListCheck::malformed_lines
  // One per valid line, in list order, outcome undecided; a path refused by the base_dir
  // rule already carries its error.
  std::vector<FileCheck> checks;
};

// Parses `content` under `options.algo` / `options.base_dir`. `form` carries the GNU
// one-space/two-space decision across the lists of one run (see base/checksum_list.h);
// nullptr: this list alone.
ChecksumListPlan PlanChecksumList(std::string_view content, const ChecksumVerifyOptions& options,
                                  UntaggedForm* form = nullptr);

// Hashes the planned files and decides each check.
ChecksumListCheck VerifyPlannedChecksums(Env* env, ChecksumListPlan plan,
                                         const ChecksumVerifyOptions& options);

// PlanChecksumList + VerifyPlannedChecksums: verifies the list `content`.
ChecksumListCheck VerifyChecksumList(Env* env, std::string_view content,
                                     const ChecksumVerifyOptions& options,
                                     UntaggedForm* form = nullptr);

// The whole of the list at `path`, read through `env` with no size limit (a list is a line
// per file); the Env's error when it cannot be read.
Result<std::string> ReadChecksumList(Env* env, const std::string& path);

// ReadChecksumList + VerifyChecksumList: the list's read error, else its verdict.
Result<ChecksumListCheck> VerifyChecksumFile(Env* env, const std::string& list_path,
                                             const ChecksumVerifyOptions& options);

}  // namespace ferry

#endif  // FERRY_BASE_CHECKSUM_VERIFY_H_
