// The push configuration: which equipment ferry pushes from, where to, how fast, and when the
// local copy may be cleaned up. YAML in the seed product's shape (docs/PUSH.md has the full
// example); parsed once, validated completely, then read-only.
//
// Invariants of a PushConfig returned by ParsePushConfig:
// - every equipment id is unique and a safe directory name (letters, digits, '_', '-', '.',
//   not starting with '.' or '-');
// - every local_root and local transport path is absolute;
// - each transport has the keys its type needs; unknown keys and `password` were refused;
// - every bandwidth window has from < to; a bwlimit timetable parsed.
// Errors are one line: "<source>:<line>: <where>: <what>", e.g.
// "push.yaml:7: equipment 'FLOW_01': transport: unknown key 'bwlimt'".
//
// Thread-safety: plain values.
#ifndef FERRY_PUSH_CONFIG_H_
#define FERRY_PUSH_CONFIG_H_

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/env.h"
#include "ferry/status.h"
#include "push/bandwidth.h"

namespace ferry::push {

enum class TransportType { kRsyncSsh, kRclone, kLocal };
enum class CompletenessSignal { kSentinelFile, kManifest };

// "rsync_ssh", "rclone", "local".
std::string_view TransportTypeName(TransportType type);

struct TransportConfig {
  TransportType type = TransportType::kLocal;
  // rsync_ssh
  std::string ssh_target;    // user@host
  std::string ssh_key_path;  // as written; a leading "~/" is expanded when used
  int ssh_port = 22;
  std::string ssh_known_hosts;  // optional: passed as UserKnownHostsFile
  std::string remote_path;
  // rclone
  std::string rclone_remote;       // the name of a remote in rclone's own config
  std::string rclone_remote_path;  // may be empty (the remote's root)
  // local
  std::string path;
  // Bandwidth, any type: a `bandwidth:` schedule or an rclone-style `bwlimit:` timetable
  // (never both).
  BandwidthSchedule bandwidth;
  std::string bwlimit_text;          // verbatim, passed through to rclone
  std::optional<Timetable> bwlimit;  // parsed, for the transports that re-evaluate it
};

struct EquipmentConfig {
  std::string id;
  std::string local_root;
  CompletenessSignal completeness = CompletenessSignal::kSentinelFile;
  std::string sentinel_filename = "acquisition_complete.flag";
  TransportConfig transport;
};

struct CleanupConfig {
  bool enabled = false;
  int min_verify_passes = 2;
  double min_age_hours = 24;
  bool retain_cache = true;
  double reverify_hours = 12;
};

struct PushConfig {
  std::string state_dir = "/var/lib/ferry";  // holds sync_queue.db
  std::string cache_dir = ".ferry";          // per-run metadata dir, one path segment
  int max_attempts = 5;                      // failed attempts before a job is terminal
  std::vector<EquipmentConfig> equipment;
  CleanupConfig cleanup;  // the `nas_cleanup:` section

  // The equipment with this id, or nullptr.
  const EquipmentConfig* FindEquipment(std::string_view id) const;
};

// Validates a parsed document; `source` names it in errors (usually the file's path).
Result<PushConfig> ParsePushConfig(const YAML::Node& root, std::string_view source);

// Reads and parses `path`.
Result<PushConfig> LoadPushConfig(Env* env, const std::string& path);

}  // namespace ferry::push

#endif  // FERRY_PUSH_CONFIG_H_
