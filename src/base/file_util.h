// Composite file operations built only from the Env virtuals (ninja's MakeDirs on MakeDir,
// leveldb's WriteStringToFile), so that a FaultInjectionEnv sees, counts and can fail every
// step they take.
//
// Atomic replace: WriteFileAtomically / AtomicFileWriter / CopyFile write a temp file named
// "<dir>/.<name>.ferry-tmp-<16 hex>" in the destination's own directory (so the rename never
// crosses a filesystem), fsync it, close it, rename it over the destination and fsync the
// directory. At every instant the destination holds either the complete old bytes or the
// complete new bytes. A crash can leave a temp behind; IsTempName() lets audits recognise and
// remove such leftovers. On an ordinary failure the temp is removed before returning.
//
// Thread-safety: the free functions are safe to call concurrently (as safe as the Env). An
// AtomicFileWriter is used by one thread at a time.
#ifndef FERRY_BASE_FILE_UTIL_H_
#define FERRY_BASE_FILE_UTIL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "ferry/env.h"
#include "ferry/status.h"

namespace ferry {

// mkdir -p: creates `path` and any missing parents (mode 0755). OK if `path` already is a
// directory (or a symlink to one); kAlreadyExists if it exists as something else.
Status CreateDirs(Env* env, const std::string& path);

// LinkStat(path) succeeded: true; kNotFound: false; any other error is returned.
Result<bool> PathExists(Env* env, const std::string& path);

// The whole file. A file longer than max_bytes is kInvalidArgument naming the path and the
// limit (nothing is returned), so a hostile or corrupt file cannot exhaust memory.
Result<std::string> ReadFileToString(Env* env, const std::string& path, uint64_t max_bytes);

// Replaces `path` with `data` atomically and durably (see the header comment).
Status WriteFileAtomically(Env* env, const std::string& path, std::string_view data,
                           uint32_t mode = 0644);

// The streaming form of WriteFileAtomically, for content produced piecewise.
//   FERRY_ASSIGN_OR_RETURN(auto w, AtomicFileWriter::Open(env, path));
//   FERRY_RETURN_IF_ERROR(w->Append(chunk)); ...
//   FERRY_RETURN_IF_ERROR(w->Commit());
// Destroying a writer that was not committed removes its temp (errors ignored).
class AtomicFileWriter {
 public:
  static Result<std::unique_ptr<AtomicFileWriter>> Open(Env* env, const std::string& path,
                                                        uint32_t mode = 0644);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  Status Append(std::string_view data);
  // fsync, close, rename over the destination, then (if sync_dir) fsync the directory.
  // After a failure before the rename the temp is removed and the writer is finished.
  Status Commit(bool sync_dir = true);

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_path_; }

 private:
  AtomicFileWriter(Env* env, std::string path, std::string temp_path,
                   std::unique_ptr<WritableFile> file);
  void Abandon();  // closes and removes the temp, ignoring errors

  Env* const env_;
  const std::string path_;
  const std::string temp_path_;
  std::unique_ptr<WritableFile> file_;
  bool finished_ = false;  // committed or abandoned
};

// Copies src's bytes to dst through an atomic replace (1 MiB chunks); dst gets `mode`.
Status CopyFile(Env* env, const std::string& src, const std::string& dst, uint32_t mode);

// rm -rf for trees ferry created itself (staging directories): removes files, symlinks (never
// followed) and directories depth-first, making read-only directories writable as needed.
// A missing `path` is OK.
Status RemoveTree(Env* env, const std::string& path);

// True for base names that WriteFileAtomically / AtomicFileWriter / CopyFile create as temps.
bool IsTempName(std::string_view name);

// The temp path that an atomic writer of `path` would use (random suffix); for tests and tools.
std::string MakeTempPathFor(const std::string& path);

}  // namespace ferry

#endif  // FERRY_BASE_FILE_UTIL_H_
