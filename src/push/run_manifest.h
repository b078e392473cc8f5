// The run manifest: the SHA-256 of every file of a run, written before the push into
// <run>/<cache_dir>/checksums.sha256 so that the NAS copy carries its own proof.
//
// Format: GNU sha256sum's ("<hex>  <path>\n", GNU escapes for '\\', '\n', '\r'; see
// src/base/checksum_list.h), one line per regular file, paths relative to the run dir,
// '/'-separated, sorted bytewise, so `cd <run> && sha256sum -c <cache_dir>/checksums.sha256`
// checks a copy anywhere. The cache dir (top level of the run) is excluded: it holds the
// manifest itself and metadata that changes after the push (creation.json's sync_status).
//
// Observe -> compute -> write, each its own function: ListRunFiles walks the run,
// HashRunFiles hashes each file exactly once on `threads` threads (OpenSSL through
// src/base/hasher.h), FormatRunManifest is pure, WriteRunManifest writes atomically
// (temp, fsync, rename, fsync of the directory).
//
// A run may hold only regular files and directories: a symlink or special file is an error
// naming it (pushing it would copy something the manifest cannot vouch for).
//
// Thread-safety: free functions; `env` must be thread-safe (every Env is).
#ifndef FERRY_PUSH_RUN_MANIFEST_H_
#define FERRY_PUSH_RUN_MANIFEST_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ferry/env.h"
#include "ferry/status.h"

namespace ferry::push {

inline constexpr char kRunManifestName[] = "checksums.sha256";

struct RunFile {
  std::string path;  // relative to the run dir
  uint64_t size = 0;
};

struct ManifestEntry {
  std::string path;    // relative to the run dir
  std::string sha256;  // lowercase hex
  uint64_t size = 0;
};

// <run_dir>/<cache_dir>/checksums.sha256
std::string RunManifestPath(const std::string& run_dir, const std::string& cache_dir);

// Every regular file below run_dir except under <run_dir>/<cache_dir>, sorted bytewise by
// path. kNotFound when run_dir is gone; kNotSupported naming a symlink or special file.
Result<std::vector<RunFile>> ListRunFiles(Env* env, const std::string& run_dir,
                                          const std::string& cache_dir);

// The SHA-256 of each file, in the order given; the first error (naming the file) wins.
Result<std::vector<ManifestEntry>> HashRunFiles(Env* env, const std::string& run_dir,
                                                const std::vector<RunFile>& files, size_t threads);

// The manifest's text for entries already sorted by path.
std::string FormatRunManifest(const std::vector<ManifestEntry>& entries);

// List, hash, format and write atomically; creates the cache dir if missing. Returns the
// entries (for the remote comparison that follows the push).
Result<std::vector<ManifestEntry>> WriteRunManifest(Env* env, const std::string& run_dir,
                                                    const std::string& cache_dir, size_t threads);

}  // namespace ferry::push

#endif  // FERRY_PUSH_RUN_MANIFEST_H_
