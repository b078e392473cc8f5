#include "sync/replica_spec.h"

#include <filesystem>

#include "sync/local_replica.h"
#include "sync/space_replica.h"

namespace ferry::sync {
namespace {

// `location` made absolute against `cwd` and lexically normal, without a trailing '/'
// (except for "/" itself), so that the same directory always gets the same replica id and
// hence the same baseline.
std::string Normalize(std::string_view location, std::string_view cwd) {
  std::filesystem::path p(location);
  if (p.is_relative()) p = std::filesystem::path(cwd) / p;
  std::string s = p.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

Result<ReplicaSpec> ParseReplicaSpec(std::string_view text, std::string_view cwd) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("replica '" + std::string(text) + "': " + std::string(why));
  };
  if (text.empty()) return bad("empty (pass a directory, or space:FILE.db)");
  if (StartsWith(text, "rclone:")) {
    return bad("rclone remotes are not supported yet (sync a local directory)");
  }
  ReplicaSpec spec;
  std::string_view location = text;
  if (StartsWith(text, kSpaceSpecPrefix)) {
    spec.kind = ReplicaKind::kSpace;
    location.remove_prefix(kSpaceSpecPrefix.size());
    if (location.empty()) return bad("no database after space: (write space:FILE.db)");
  } else if (StartsWith(text, "local:")) {
    location.remove_prefix(6);
    if (location.empty()) return bad("no directory after local: (write local:/abs/dir)");
  }
  spec.location = Normalize(location, cwd);
  return spec;
}

Result<std::unique_ptr<Replica>> OpenReplica(Env* env, std::string_view text,
                                             std::string_view cwd) {
  FERRY_ASSIGN_OR_RETURN(ReplicaSpec spec, ParseReplicaSpec(text, cwd));
  if (spec.kind == ReplicaKind::kSpace) {
    return NewSpaceReplica(env, spec.location);
  }
  return std::unique_ptr<Replica>(std::make_unique<LocalReplica>(env, spec.location));
}

}  // namespace ferry::sync
