// The `local` transport: copies a run into a directory on a mounted NAS share (or any local
// path), through the Env, so it is tested on MemEnv including its crash model.
//
// Every file (the run's cache dir included: the NAS copy carries checksums.sha256) is copied
// with an atomic replace: a temp file in the destination directory, fsync, rename, fsync of
// the directory (CopyFile, src/base/file_util.h). Every directory created on the way is
// fsynced into its parent, from the deepest up to the first one that already existed. So when
// PushRunLocally returns OK, the whole copy is durable on the destination filesystem: a crash
// of the NAS (or of this host, for a local disk) right after it loses nothing. A crash during
// the push leaves complete old or new files and possibly temps (IsTempName) that the next push
// replaces; it never leaves a torn file under a real name.
//
// Files are copied again on every push (a re-push after a crash is rare and a run's files are
// immutable once the run is complete); the verify pass that follows is what proves the copy.
//
// Thread-safety: a free function; `env` must be thread-safe (every Env is).
#ifndef FERRY_PUSH_LOCAL_TRANSPORT_H_
#define FERRY_PUSH_LOCAL_TRANSPORT_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "ferry/env.h"
#include "ferry/status.h"

namespace ferry::push {

struct LocalPushStats {
  uint64_t files = 0;
  uint64_t bytes = 0;
};

// Copies the contents of run_dir into dest_dir (created if missing, parents included).
// kCancelled, between two files, once *cancel is true. kNotFound if run_dir is gone; a
// symlink or special file in the run is kNotSupported (see run_manifest.h).
Result<LocalPushStats> PushRunLocally(Env* env, const std::string& run_dir,
                                      const std::string& dest_dir,
                                      const std::atomic<bool>* cancel = nullptr);

}  // namespace ferry::push

#endif  // FERRY_PUSH_LOCAL_TRANSPORT_H_
