// Linker: makes the references that expose a shared canonical under data/<package>/ and
// data/_direct/, by link strategy in a configured order with per-filesystem fallback.
//
//   reflink   a copy-on-write clone (FICLONE): independent inode, shared extents, no space
//   symlink   RELATIVE (../_shared/<id>.parquet), so the workspace can be moved or mounted
//   hardlink  the canonical's own inode (and so its 0444 mode)
//   copy      an independent copy
// Reflinks and copies are made read-only (0444) like the canonical: they are the analyst's
// view of the store, and an analyst who edits one believing it is the store would silently
// diverge from every other package. Partitioned tables (a canonical directory of parts) get a
// symlink to the directory, or a directory (0555) of per-part hardlinks / reflinks / copies.
//
// Fallback: a strategy failing with kNotSupported or kPermissionDenied (EXDEV, EPERM, ENOTSUP,
// EOPNOTSUPP) is dropped for the rest of this Linker's life (one run: the filesystem will not
// change its mind), unless it is the last strategy left, whose error is then returned per
// reference. kTooManyLinks (EMLINK, the inode's hardlink limit) falls back for that one
// reference only: the next one may link a different inode. Any other error (ENOSPC, EIO) is
// returned at once: a different strategy will not help.
//
// Atomicity: a reference is built at a temp name (MakeTempPathFor, recognised by IsTempName)
// in its own directory and renamed over ref_path, so ref_path never shows a half-made
// reference: readers see the old reference or the new one. Replacing a reference directory
// (rename(2) cannot) parks the old one at a temp name first; a crash there leaves ref_path
// missing (a broken reference the audit re-creates) plus a temp the audit removes, never a
// partial one. A reference directory's own entries (per-part links or copies) are fsynced
// before it is renamed into view, so a crash cannot leave one that lost parts; removing one
// renames it to a temp name first, so it never shows half emptied. References are not
// fsynced into their parent one by one: SyncTouchedDirs() batches that (a pull's result is
// durable when it returns), and a reference lost to a crash before it is re-created by the
// next pull.
//
// Thread-safety: every method may be called concurrently (the dropped-strategy set and the
// touched-directory set are behind a mutex).
#ifndef FERRY_STORE_LINKER_H_
#define FERRY_STORE_LINKER_H_

#include <array>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "ferry/env.h"
#include "ferry/status.h"
#include "store/sync_state.h"

namespace ferry {

class DigestCache;

class Linker {
 public:
  // `order` e.g. DefaultLinkOrder(); must not be empty.
  Linker(Env* env, std::vector<LinkStrategy> order);
  Linker(const Linker&) = delete;
  Linker& operator=(const Linker&) = delete;

  // Makes `ref_path` a reference to `shared_path` (a file, or a directory of parts), creating
  // ref_path's directory if missing; returns the strategy used. See the header comment.
  Result<LinkStrategy> MakeReference(const std::string& shared_path, const std::string& ref_path);

  // True when ref_path already is a correct reference to shared_path made by `strategy`:
  //   symlink:  its text resolves (lexically) to shared_path, relative or absolute (seed);
  //             nothing is stat'ed beyond the link itself;
  //   hardlink: same device and inode (for a directory: the same part names, each part the
  //             same inode); no bytes read;
  //   reflink / copy: same size, and the reference's md5 (through `cache`, so unchanged files
  //             are not re-read; hashed directly when cache is null) equals expected_md5, or
  //             when that is "" the canonical's md5 (for a directory: per part).
  // False when ref_path is missing or of the wrong kind; errors only for failed I/O.
  Result<bool> IsReferenceCurrent(const std::string& shared_path, const std::string& ref_path,
                                  LinkStrategy strategy, const std::string& expected_md5,
                                  DigestCache* cache);

  // Removes a reference: a file, a symlink (never followed) or a reference directory.
  // A missing ref_path is OK.
  Status RemoveReference(const std::string& ref_path);

  // The configured order minus the strategies dropped so far.
  std::vector<LinkStrategy> remaining_order() const;
  // One line per dropped strategy saying why and what was used in its place, for the pull's
  // report: "reflink dropped for this run: <why>; references made with symlink instead" (the
  // strategies that made references after the drop, with counts when more than one did).
  std::vector<std::string> drop_notes() const;

  // fsyncs every directory a reference was placed in since the last call.
  Status SyncTouchedDirs();

 private:
  // Builds a reference of kind `strategy` to `shared` at `temp` (which does not exist).
  Status Build(LinkStrategy strategy, const std::string& shared, bool shared_is_dir,
               const std::string& temp, const std::string& ref_path);
  Status BuildFile(LinkStrategy strategy, const std::string& src, const std::string& dst);
  Status BuildTree(LinkStrategy strategy, const std::string& src_dir, const std::string& dst_dir);
  // Renames the finished temp over ref_path (parking an old reference directory aside).
  Status PlaceOver(const std::string& temp, bool temp_is_dir, const std::string& ref_path);
  // Drops `strategy` unless it is the last one left; returns whether it did.
  bool MaybeDrop(LinkStrategy strategy, const Status& why);

  Env* const env_;
  const std::vector<LinkStrategy> order_;
  mutable std::mutex mu_;
  std::array<bool, 4> dropped_{};           // by LinkStrategy value; guarded by mu_
  struct Drop {
    LinkStrategy strategy;
    std::string why;
    std::array<size_t, 4> made_at_drop{};  // made_ when it was dropped
  };
  std::vector<Drop> drops_;                 // guarded by mu_
  std::array<size_t, 4> made_{};            // references made, by LinkStrategy; guarded by mu_
  std::set<std::string> touched_dirs_;      // guarded by mu_
};

}  // namespace ferry

#endif  // FERRY_STORE_LINKER_H_
