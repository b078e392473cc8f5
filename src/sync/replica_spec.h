// ReplicaSpec: how a replica is written on the command line (`ferry sync A B`) and in a plan
// file, and OpenReplica, which turns that text into a Replica (docs/SYNC.md "Naming
// replicas").
//
// Forms:
//   DIR, ./DIR, /abs/DIR   a local directory (relative to the working directory)
//   local:/abs/DIR         the same, as Replica::id() spells it (plan files carry ids)
//   space:FILE.db          a document space: a SQLite database of documents
//   rclone:REMOTE:PATH     reserved for an rclone remote (not supported yet)
// A directory whose name starts with "space:", "local:" or "rclone:" is written "./space:x".
//
// Thread-safety: pure functions (OpenReplica: as the Env).
#ifndef FERRY_SYNC_REPLICA_SPEC_H_
#define FERRY_SYNC_REPLICA_SPEC_H_

#include <memory>
#include <string>
#include <string_view>

#include "ferry/env.h"
#include "ferry/status.h"
#include "sync/replica.h"

namespace ferry::sync {

enum class ReplicaKind : uint8_t { kLocal, kSpace };

struct ReplicaSpec {
  ReplicaKind kind = ReplicaKind::kLocal;
  // kLocal: the directory, absolute and lexically normal, no trailing '/'.
  // kSpace: the database file, absolute and lexically normal.
  std::string location;
};

// Parses `text`; relative locations are taken from `cwd` (absolute). An empty text, an empty
// location after a prefix, or an rclone remote is kInvalidArgument naming the argument.
Result<ReplicaSpec> ParseReplicaSpec(std::string_view text, std::string_view cwd);

// Parses `text` and opens the replica it names. A document space is kNotSupported in this
// binary for now (the factory is wired where the space replica is linked in).
Result<std::unique_ptr<Replica>> OpenReplica(Env* env, std::string_view text, std::string_view cwd);

}  // namespace ferry::sync

#endif  // FERRY_SYNC_REPLICA_SPEC_H_
