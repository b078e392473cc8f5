// Verification of an `rclone` NAS copy, and the listing the cleanup interlocks need, through
// rclone itself (the remote is whatever the lab's rclone config says: a mounted path, sftp, ...).
//
// A verify pass compares the run's own manifest (<run>/<cache_dir>/checksums.sha256, written
// before the push: run_manifest.h) with SHA-256 of every file of the NAS copy:
//
//   rclone hashsum sha256 --exclude /CACHE/** <remote>:<nas_path>
//
// rclone prints "<hex>  <path>" per file (paths as they are: no GNU escaping). When the
// backend cannot give a SHA-256 (a blank hash, i.e. 64 spaces, or rclone's "hash unsupported:
// hash type not supported" errors, as the sftp backend of v1.60.1 answers) the pass falls back
// to reading the bytes back:
//
//   rclone check --download --combined - --exclude /CACHE/** <run_dir> <remote>:<nas_path>
//
// whose report says per file '=' same, '*' different, '+' only in the run (missing on the
// NAS), '-' only on the NAS, '!' unreadable. It is merged with the manifest: a manifest file
// reported '=' matches; '*', '!' or '-' (gone locally, so unprovable) is different; '+' is
// missing; a '-' file outside the manifest is extra. A check that fails (exit other than 0/1)
// before it reported every manifest file is a failure classified by ClassifyRclone, never a
// hash mismatch.
//
// A NAS dir that does not exist (rclone exit 3, "directory not found") lists nothing, so every
// file is missing and the pass fails (the job is pushed again), as with the ssh verifier.
// Missing or different files fail the pass as a hash mismatch with VerifyReport::Summary();
// extra files are reported, never fatal.
//
// The listing (cleanup_interlocks.h) is `rclone lsjson -R --files-only --no-mimetype
// --no-modtime <remote>:<nas_path>`: JSON, so any file name survives.
//
// Thread-safety: free functions; `runner` and `env` are thread-safe.
#ifndef FERRY_PUSH_RCLONE_VERIFY_H_
#define FERRY_PUSH_RCLONE_VERIFY_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/command_runner.h"
#include "ferry/env.h"
#include "ferry/status.h"
#include "push/cleanup_interlocks.h"
#include "push/config.h"
#include "push/rclone_transport.h"
#include "push/remote_verify.h"

namespace ferry::push {

struct RcloneRemoteRequest {
  std::string run_dir;   // local
  std::string nas_path;  // "<remote>:<path>"
  std::string cache_dir = ".ferry";
  RcloneEnv env;
  int64_t timeout_ms = 0;
};

// The three commands, exactly.
std::vector<std::string> RcloneHashsumArgv(const RcloneRemoteRequest& request);
std::vector<std::string> RcloneCheckArgv(const RcloneRemoteRequest& request);
std::vector<std::string> RcloneListingArgv(const RcloneRemoteRequest& request);

struct RcloneHashes {
  std::vector<ManifestEntry> entries;  // the files with a hash
  bool blank = false;                  // some file came with a blank hash: cannot hash
};
// `rclone hashsum sha256` output; kCorruption naming the first bad line.
Result<RcloneHashes> ParseRcloneHashsum(std::string_view output);

struct CheckLine {
  char mark = '=';  // = * + - !
  std::string path;
};
// `rclone check --combined -` output; kCorruption naming the first bad line.
Result<std::vector<CheckLine>> ParseRcloneCombined(std::string_view output);

// The check's report merged with the manifest (rules above).
VerifyReport CompareCheckWithManifest(const std::vector<ManifestEntry>& manifest,
                                      const std::vector<CheckLine>& check);

// `rclone lsjson` output; kCorruption when it is not a JSON array of {Path, Size}.
Result<std::vector<RemoteFile>> ParseRcloneListing(std::string_view output);

// One verify pass: hashsum, or the download check when the backend cannot hash. An error
// Status only for the local side (the manifest unreadable).
Result<RemoteVerification> VerifyRunWithRclone(CommandRunner* runner, Env* env,
                                               const RcloneRemoteRequest& request,
                                               const std::atomic<bool>* cancel = nullptr);

// The NAS copy's files with their sizes (none when its dir does not exist).
RemoteListing ListRcloneRun(CommandRunner* runner, const RcloneRemoteRequest& request,
                            const std::atomic<bool>* cancel = nullptr);

}  // namespace ferry::push

#endif  // FERRY_PUSH_RCLONE_VERIFY_H_
