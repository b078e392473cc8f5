// ObserveReplica: the I/O half of a sync's planning, for one replica. It walks the replica,
// joins every entry with that side of the baseline by path, and says per path what happened
// since the last sync (docs/SYNC.md "Change detection"):
//
//   baseline  now  stamp (kind, size, mtime_ns, inode)  state
//   no        no                                        absent (never reported)
//   no        yes                                       created   (hashed)
//   yes       no                                        deleted   (hash: the baseline's)
//   yes       yes  equal                                unchanged (never reported, never read)
//   yes       yes  differs                              hashed: same hash -> unchanged with a
//                                                       new stamp (a touch), else modified
//
// Only the paths that are not plainly unchanged are returned, so a no-op sync of 100,000 files
// holds the baseline and nothing else per file; Reconcile reads a baseline path absent from
// the list as unchanged with the baseline's stamp. Only created and candidate files are read.
// It never writes (safe under --dry-run).
//
// Thread-safety: call from one thread; hashing fans out over `hash_threads` threads (a
// replica's OpenRead may run concurrently).
#ifndef FERRY_SYNC_OBSERVE_H_
#define FERRY_SYNC_OBSERVE_H_

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/status.h"
#include "sync/baseline.h"
#include "sync/content_hash.h"
#include "sync/path_arena.h"
#include "sync/replica.h"

namespace ferry::sync {

enum class ChangeState : uint8_t { kAbsent, kUnchanged, kCreated, kModified, kDeleted };

// "absent", "unchanged", "created", "modified", "deleted".
std::string_view ChangeStateName(ChangeState state);

// One path of one replica as observed. For kDeleted the kind, size and hash are the
// baseline's (what was there) and the stamp fields are zero. Its path is in the arena of the
// Observations that hold it (Observations::path); one that stands alone (a landed version, a
// baseline record's view) has none. 64 bytes: a first sync holds one per file per side.
struct Observed {
  ContentHash hash{};
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t inode = 0;
  // 16 bits hold every st_mode (type and permission bits); whoever makes an Observed from a
  // wider mode checks ModeFits first (ObserveReplica and the executor refuse the entry).
  uint16_t mode = 0;
  EntryKind kind = EntryKind::kFile;
  ChangeState state = ChangeState::kAbsent;

  bool present() const { return state != ChangeState::kAbsent && state != ChangeState::kDeleted; }

 private:
  friend struct Observations;
  uint32_t path_offset_ = 0;  // in Observations::paths, which also holds the size
};

inline bool ModeFits(uint32_t mode) { return mode <= 0xFFFF; }
// kInvalidArgument naming `path` unless ModeFits(mode).
Status CheckModeFits(std::string_view path, uint32_t mode);

// What ObserveReplica saw of one replica.
// Memory: 64 bytes per change plus its path's bytes and a 2-byte size in `paths` (a first
// sync of two trees of 100,000 files holds 200,000 of them: ~18 MB, against ~26 MB with a
// std::string per change).
struct Observations {
  RootState root_state = RootState::kMissing;
  // Every path whose state is created, modified, deleted, or unchanged with a new stamp;
  // sorted by path, unique. A deque, not a vector: the walk appends to it where it will stay.
  // At a first sync every file of both trees is here; collected in a deque and then moved
  // into an exact vector, the deque's freed 512-byte blocks sat between live allocations
  // where the allocator could not give them back (~20 MB of 100,000 files' peak RSS).
  std::deque<Observed> changes;
  // The changes' paths (and, after a filter such as erase_if, some no change refers to).
  PathArena paths;
  uint64_t listed = 0;  // entries the walk saw
  uint64_t hashed = 0;  // entries it had to read

  std::string_view path(const Observed& o) const { return paths.Get(o.path_offset_); }
  // Appends `o` as the change at `path` (kInvalidArgument for a path too long to hold).
  Status Add(std::string_view path, const Observed& o);
  // Sorts the changes by path (stable: of two changes of one path the later stays later).
  void SortByPath();
};

// Observes `replica` against `side` of `baseline` (an empty Baseline for a first sync). A
// missing root observes nothing (every baseline path reads as deleted; the caller's
// CheckRootsPresent refuses to act on that). A file that vanishes between the walk and its
// hash is treated as not there.
Result<Observations> ObserveReplica(Replica* replica, const Baseline& baseline, Side side,
                                    size_t hash_threads);

}  // namespace ferry::sync

#endif  // FERRY_SYNC_OBSERVE_H_
