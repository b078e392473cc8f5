// ListDirWithInfo: one directory's entries together with what LinkStat says of each, the
// step LocalReplica's walk repeats once per directory (docs/SYNC.md "Performance").
//
// Why it exists: a sync of 100,000 unchanged files is a walk and nothing else, and through
// Env::ListDir + Env::LinkStat every entry's full path is built and resolved again by the
// kernel, component by component: most of a no-op sync's time. On the process's real Env
// (Env::Default(), PosixEnv) this stats each entry relative to the open directory
// (fstatat(dirfd, name, AT_SYMLINK_NOFOLLOW)) instead. On every other Env (MemEnv, fault
// injectors, wrappers) it is exactly ListDir then LinkStat through that Env, so fakes and
// crash tests still see and control every call.
//
// Contract either way: entries sorted by name, without "." and ".."; symlinks are reported as
// links (never followed); an entry removed between the listing and its stat is left out.
//
// Thread-safety: as the Env; may run concurrently on distinct directories.
#ifndef FERRY_SYNC_DIR_LISTING_H_
#define FERRY_SYNC_DIR_LISTING_H_

#include <string>
#include <vector>

#include "ferry/env.h"
#include "ferry/status.h"

namespace ferry::sync {

struct DirEntryWithInfo {
  std::string name;  // one segment
  FileInfo info;     // as LinkStat sees it
};

Result<std::vector<DirEntryWithInfo>> ListDirWithInfo(Env* env, const std::string& dir);

}  // namespace ferry::sync

#endif  // FERRY_SYNC_DIR_LISTING_H_
