// Verification of an rsync_ssh NAS copy, and the listing the cleanup interlocks need, over ssh.
//
// A verify pass compares the run's own manifest (<run>/<cache_dir>/checksums.sha256, written
// before the push: run_manifest.h) with the SHA-256 of every file of the NAS copy, computed
// ON the NAS by one ssh command:
//
//   if [ -d 'NAS' ]; then cd 'NAS' || exit 1; sync -f . & s=$!;
//     <hash every file but CACHE and .rsync-partial, one hasher per NAS core> | cat;
//     wait "$s" || { echo "...sync -f failed..." >&2; exit 1; }; fi
//   (the full text: RemoteSha256Command)
//
// - `sync -f .` flushes the NAS filesystem (file data AND directory entries) to its disk, so
//   what the pass vouches for is durable: a NAS crash after cleanup loses nothing. It runs
//   while the files are hashed (both read the same page cache; the flush is disk-bound, the
//   hash CPU-bound), and the pass only succeeds once it returned 0. This is the rsync_ssh
//   transport's only durability step (rsync runs without --fsync), so no pass may skip it.
// - A missing NAS dir prints nothing and exits 0: every file is then missing, which fails the
//   pass (the NAS copy went away), rather than an ssh error that would be retried as one.
// - Hashers: `openssl dgst -sha256 -r` (SHA-NI where the CPU has it: ~2.5x GNU sha256sum on
//   this machine) for every name it prints as sha256sum would ("<hex> *<name>"); GNU
//   sha256sum for names with '\\', '\n' or '\r' (which it escapes and openssl does not) or a
//   leading '-', and for everything on a NAS without a working openssl. Both outputs are
//   GNU's format, parsed by src/base/checksum_list.h. Files go to the hashers in batches of
//   files/(2 x cores) + 1: an openssl start costs ~10 ms, so 1,000 files in batches of 16
//   took 1.4 s against 0.6 s in batches of 250 (1 GiB, 2 cores).
// Outcome: missing or different files fail the pass (hash mismatch, with a one-line summary
// for last_error); extra files on the NAS are reported, never fatal.
//
// The remote listing (for cleanup_interlocks.h) is `find . -type f -printf '%s %P\0'` in the
// NAS dir: sizes and paths, NUL-separated so any name survives.
//
// Thread-safety: free functions; `runner` and `env` are thread-safe.
#ifndef FERRY_PUSH_REMOTE_VERIFY_H_
#define FERRY_PUSH_REMOTE_VERIFY_H_

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
#include "push/remote_attempt.h"
#include "push/run_manifest.h"

namespace ferry::push {

struct VerifyReport {
  size_t matched = 0;
  std::vector<std::string> missing;    // in the manifest, not on the NAS
  std::vector<std::string> different;  // on the NAS with another SHA-256
  std::vector<std::string> extra;      // on the NAS, not in the manifest: reported only

  bool passed() const { return missing.empty() && different.empty(); }
  // One line: "12 files match; 1 missing on the NAS: a.tif; 1 different: b.csv; 1 extra on
  // the NAS: old.txt" (up to 3 names per list, then "and N more").
  std::string Summary() const;
};

// Compares by path; both lists may come in any order (sha256 only; sizes are not looked at).
VerifyReport CompareWithManifest(const std::vector<ManifestEntry>& manifest,
                                 const std::vector<ManifestEntry>& remote);

// Reads <run>/<cache_dir>/checksums.sha256. kNotFound when there is none (the run was never
// pushed by ferry); kCorruption naming the file and line for a malformed line.
Result<std::vector<ManifestEntry>> ReadRunManifest(Env* env, const std::string& run_dir,
                                                   const std::string& cache_dir);

// The remote commands, quoted for the NAS's shell.
// `expected_files` (the manifest's size) sets the hashers' batch size.
std::string RemoteSha256Command(const std::string& nas_path, const std::string& cache_dir,
                                size_t expected_files);
std::string RemoteListingCommand(const std::string& nas_path);

// sha256sum's output as entries (paths unescaped); kCorruption naming the first bad line.
Result<std::vector<ManifestEntry>> ParseRemoteSha256(std::string_view output);
// find's '%s %P\0' records; kCorruption naming the first bad record.
Result<std::vector<RemoteFile>> ParseRemoteListing(std::string_view output);

struct SshRemoteRequest {
  std::string run_dir;   // local
  std::string nas_path;  // on the NAS
  std::string cache_dir = ".ferry";
  std::string home;  // for "~/" in the key and known_hosts paths
  int64_t timeout_ms = 0;
};

struct RemoteVerification {
  // kDone only when the pass passed. A pass that ran but found missing or different files is
  // kFailed with kind hash mismatch and report.Summary() as its message.
  RemoteAttempt attempt;
  VerifyReport report;  // filled when the remote hashing ran
};

// One verify pass. An error Status only for the local side (the manifest unreadable).
Result<RemoteVerification> VerifyRunOverSsh(CommandRunner* runner, Env* env,
                                            const TransportConfig& transport,
                                            const SshRemoteRequest& request,
                                            const std::atomic<bool>* cancel = nullptr);

struct RemoteListing {
  RemoteAttempt attempt;
  std::vector<RemoteFile> files;  // when attempt.done()
};

// The NAS copy's files with their sizes.
RemoteListing ListRemoteRun(CommandRunner* runner, const TransportConfig& transport,
                            const SshRemoteRequest& request,
                            const std::atomic<bool>* cancel = nullptr);

}  // namespace ferry::push

#endif  // FERRY_PUSH_REMOTE_VERIFY_H_
