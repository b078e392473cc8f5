#include "push/config.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <set>

#include "base/yaml_util.h"

namespace ferry::push {
namespace {

constexpr uint64_t kMaxConfigBytes = 1 << 20;

// Builds the errors of one config file: "<source>:<line>: <where>: <message>".
class Errors {
 public:
  explicit Errors(std::string source) : source_(std::move(source)) {}
  Status At(const YAML::Node& node, const std::string& where, const std::string& message) const {
    std::string text = source_ + ":" + std::to_string(node.Mark().line + 1) + ": ";
    if (!where.empty()) text += where + ": ";
    return Status::InvalidArgument(text + message);
  }

 private:
  std::string source_;
};

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Refuses keys outside `known`; `password` gets its own explanation since it is the one key
// people add on purpose.
Status CheckKeys(const Errors& err, const YAML::Node& map, const std::string& where,
                 const std::vector<std::string>& known) {
  for (const auto& kv : map) {
    const std::string key = kv.first.Scalar();
    if (key == "password") {
      return err.At(kv.first, where,
                    "'password' is refused: ferry stores no passwords; use ssh_key_path "
                    "(rsync_ssh) or a remote set up with 'rclone config' (rclone)");
    }
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return err.At(kv.first, where, "unknown key '" + key + "' (known: " + JoinNames(known) + ")");
    }
  }
  return Status::OK();
}

Result<std::string> Scalar(const Errors& err, const YAML::Node& map, const char* key,
                           const std::string& where, bool required) {
  const YAML::Node v = map[key];
  if (!v || v.IsNull()) {
    if (required) return err.At(map, where, std::string("'") + key + "' is required");
    return std::string();
  }
  if (!v.IsScalar()) return err.At(v, where, std::string("'") + key + "' must be a plain value");
  return v.Scalar();
}

Result<bool> Bool(const Errors& err, const YAML::Node& map, const char* key,
                  const std::string& where, bool fallback) {
  FERRY_ASSIGN_OR_RETURN(std::string s, Scalar(err, map, key, where, false));
  if (s.empty()) return fallback;
  if (s == "true" || s == "True" || s == "yes") return true;
  if (s == "false" || s == "False" || s == "no") return false;
  return err.At(map[key], where,
                std::string("'") + key + "' must be true or false, not '" + s + "'");
}

// A number >= min (and an integer when `integer`).
Result<double> Number(const Errors& err, const YAML::Node& map, const char* key,
                      const std::string& where, double fallback, double min, bool integer) {
  FERRY_ASSIGN_OR_RETURN(std::string s, Scalar(err, map, key, where, false));
  if (s.empty()) return fallback;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  const bool whole = v == static_cast<double>(static_cast<long long>(v));
  if (errno != 0 || *end != '\0' || !(v >= min) || (integer && !whole)) {
    return err.At(map[key], where,
                  std::string("'") + key + "' must be " + (integer ? "an integer" : "a number") +
                      " >= " + std::to_string(static_cast<long long>(min)) + ", not '" + s + "'");
  }
  return v;
}

Result<YAML::Node> Mapping(const Errors& err, const YAML::Node& parent, const char* key,
                           const std::string& where) {
  YAML::Node v = parent[key];
  if (!v || v.IsNull()) return YAML::Node(YAML::NodeType::Map);
  if (!v.IsMap()) return err.At(v, where, std::string("'") + key + "' must be a mapping");
  return v;
}

// Equipment ids name directories under local_root and on the NAS.
bool IsValidEquipmentId(const std::string& id) {
  if (id.empty() || id.size() > 64 || id[0] == '.' || id[0] == '-') return false;
  for (char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

Status ParseBandwidth(const Errors& err, const YAML::Node& transport, const std::string& where,
                      TransportConfig* t) {
  const std::string bw_where = where + ": bandwidth";
  FERRY_ASSIGN_OR_RETURN(YAML::Node bw, Mapping(err, transport, "bandwidth", where));
  FERRY_RETURN_IF_ERROR(CheckKeys(err, bw, bw_where, {"upload_mbps", "schedule"}));
  if (bw["upload_mbps"]) {
    FERRY_ASSIGN_OR_RETURN(double mbps, Number(err, bw, "upload_mbps", bw_where, 0, 0, false));
    if (mbps <= 0) {
      return err.At(bw["upload_mbps"], bw_where, "'upload_mbps' must be more than 0");
    }
    t->bandwidth.upload_mbps = mbps;
  }
  const YAML::Node schedule = bw["schedule"];
  if (schedule && !schedule.IsNull()) {
    if (!schedule.IsSequence()) return err.At(schedule, bw_where, "'schedule' must be a list");
    if (!t->bandwidth.upload_mbps) {
      return err.At(schedule, bw_where, "'schedule' needs 'upload_mbps' (the rate inside it)");
    }
    for (size_t i = 0; i < schedule.size(); ++i) {
      const YAML::Node w = schedule[i];
      const std::string w_where = bw_where + ": schedule[" + std::to_string(i) + "]";
      if (!w.IsMap()) return err.At(w, w_where, "must be a mapping with days, from and to");
      FERRY_RETURN_IF_ERROR(CheckKeys(err, w, w_where, {"days", "from", "to"}));
      DayTimeWindow window;
      const YAML::Node days = w["days"];
      if (!days || !days.IsSequence() || days.size() == 0) {
        return err.At(days ? days : w, w_where,
                      "'days' must be a list of weekdays, e.g. [mon, tue]");
      }
      for (const YAML::Node& d : days) {
        Result<int> day = ParseWeekday(d.IsScalar() ? d.Scalar() : "");
        if (!day.ok()) return err.At(d, w_where, "days: " + day.status().message());
        window.days_mask |= static_cast<uint8_t>(1u << *day);
      }
      FERRY_ASSIGN_OR_RETURN(std::string from, Scalar(err, w, "from", w_where, true));
      FERRY_ASSIGN_OR_RETURN(std::string to, Scalar(err, w, "to", w_where, true));
      Result<int> from_minute = ParseClockTime(from);
      if (!from_minute.ok())
        return err.At(w["from"], w_where, "from: " + from_minute.status().message());
      Result<int> to_minute = ParseClockTime(to);
      if (!to_minute.ok()) return err.At(w["to"], w_where, "to: " + to_minute.status().message());
      if (*from_minute >= *to_minute) {
        return err.At(w, w_where,
                      "'from' (" + from + ") must be before 'to' (" + to +
                          "); split a window across midnight in two");
      }
      window.from_minute = *from_minute;
      window.to_minute = *to_minute;
      t->bandwidth.windows.push_back(window);
    }
  }
  FERRY_ASSIGN_OR_RETURN(t->bwlimit_text, Scalar(err, transport, "bwlimit", where, false));
  if (!t->bwlimit_text.empty()) {
    if (t->bandwidth.upload_mbps) {
      return err.At(transport["bwlimit"], where, "set 'bandwidth' or 'bwlimit', not both");
    }
    Result<Timetable> table = ParseTimetable(t->bwlimit_text);
    if (!table.ok()) return err.At(transport["bwlimit"], where, table.status().message());
    t->bwlimit = std::move(table).value();
  }
  return Status::OK();
}

Status ParseTransport(const Errors& err, const YAML::Node& equipment, const std::string& where,
                      TransportConfig* t) {
  const YAML::Node node = equipment["transport"];
  if (!node || node.IsNull()) return err.At(equipment, where, "'transport' is required");
  if (!node.IsMap()) return err.At(node, where, "'transport' must be a mapping");
  const std::string t_where = where + ": transport";
  FERRY_ASSIGN_OR_RETURN(std::string type, Scalar(err, node, "type", t_where, true));
  const std::vector<std::string> common = {"type", "bandwidth", "bwlimit"};
  std::vector<std::string> known = common;
  std::vector<const char*> required;
  if (type == "rsync_ssh") {
    t->type = TransportType::kRsyncSsh;
    known.insert(known.end(),
                 {"ssh_target", "ssh_key_path", "ssh_port", "ssh_known_hosts", "remote_path"});
    required = {"ssh_target", "ssh_key_path", "remote_path"};
  } else if (type == "rclone") {
    t->type = TransportType::kRclone;
    known.insert(known.end(), {"rclone_remote", "rclone_remote_path"});
    required = {"rclone_remote"};
  } else if (type == "local") {
    t->type = TransportType::kLocal;
    known.insert(known.end(), {"path"});
    required = {"path"};
  } else {
    return err.At(node["type"], t_where,
                  "type must be rsync_ssh, rclone or local, not '" + type + "'");
  }
  FERRY_RETURN_IF_ERROR(CheckKeys(err, node, t_where, known));
  for (const char* key : required)
    FERRY_RETURN_IF_ERROR(Scalar(err, node, key, t_where, true).status());
  FERRY_ASSIGN_OR_RETURN(t->ssh_target, Scalar(err, node, "ssh_target", t_where, false));
  FERRY_ASSIGN_OR_RETURN(t->ssh_key_path, Scalar(err, node, "ssh_key_path", t_where, false));
  FERRY_ASSIGN_OR_RETURN(t->ssh_known_hosts, Scalar(err, node, "ssh_known_hosts", t_where, false));
  FERRY_ASSIGN_OR_RETURN(t->remote_path, Scalar(err, node, "remote_path", t_where, false));
  FERRY_ASSIGN_OR_RETURN(t->rclone_remote, Scalar(err, node, "rclone_remote", t_where, false));
  FERRY_ASSIGN_OR_RETURN(t->rclone_remote_path,
                         Scalar(err, node, "rclone_remote_path", t_where, false));
  FERRY_ASSIGN_OR_RETURN(t->path, Scalar(err, node, "path", t_where, false));
  FERRY_ASSIGN_OR_RETURN(double port, Number(err, node, "ssh_port", t_where, 22, 1, true));
  if (port > 65535) return err.At(node["ssh_port"], t_where, "'ssh_port' must be at most 65535");
  t->ssh_port = static_cast<int>(port);
  if (t->type == TransportType::kLocal && t->path[0] != '/') {
    return err.At(node["path"], t_where, "'path' must be absolute, not '" + t->path + "'");
  }
  if (t->type == TransportType::kRclone && t->rclone_remote.find(':') != std::string::npos) {
    return err.At(node["rclone_remote"], t_where,
                  "'rclone_remote' is the remote's name without ':' (put the path in "
                  "rclone_remote_path)");
  }
  return ParseBandwidth(err, node, t_where, t);
}

Status ParseEquipment(const Errors& err, const YAML::Node& root, PushConfig* config) {
  const YAML::Node list = root["equipment"];
  if (!list || list.IsNull() || (list.IsSequence() && list.size() == 0)) {
    return err.At(root, "", "'equipment' must list at least one equipment");
  }
  if (!list.IsSequence()) return err.At(list, "", "'equipment' must be a list");
  std::map<std::string, int> first_line;
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node n = list[i];
    std::string where = "equipment[" + std::to_string(i) + "]";
    if (!n.IsMap()) return err.At(n, where, "must be a mapping with at least 'id'");
    EquipmentConfig e;
    FERRY_ASSIGN_OR_RETURN(e.id, Scalar(err, n, "id", where, true));
    if (!IsValidEquipmentId(e.id)) {
      return err.At(n["id"], where,
                    "id '" + e.id +
                        "' is not a valid equipment id (letters, digits, '_', '-', '.'; "
                        "not starting with '.' or '-'; at most 64)");
    }
    auto [it, inserted] = first_line.emplace(e.id, n.Mark().line + 1);
    if (!inserted) {
      return err.At(n["id"], where,
                    "duplicate equipment id '" + e.id + "' (first on line " +
                        std::to_string(it->second) + ")");
    }
    where = "equipment '" + e.id + "'";
    FERRY_RETURN_IF_ERROR(
        CheckKeys(err, n, where,
                  {"id", "local_root", "completeness_signal", "sentinel_filename", "transport"}));
    FERRY_ASSIGN_OR_RETURN(e.local_root, Scalar(err, n, "local_root", where, true));
    if (e.local_root[0] != '/') {
      return err.At(n["local_root"], where,
                    "'local_root' must be absolute, not '" + e.local_root + "'");
    }
    while (e.local_root.size() > 1 && e.local_root.back() == '/') e.local_root.pop_back();
    FERRY_ASSIGN_OR_RETURN(std::string signal, Scalar(err, n, "completeness_signal", where, false));
    if (signal.empty() || signal == "sentinel_file") {
      e.completeness = CompletenessSignal::kSentinelFile;
    } else if (signal == "manifest") {
      e.completeness = CompletenessSignal::kManifest;
    } else {
      return err.At(n["completeness_signal"], where,
                    "completeness_signal must be sentinel_file or manifest, not '" + signal + "'");
    }
    FERRY_ASSIGN_OR_RETURN(std::string sentinel, Scalar(err, n, "sentinel_filename", where, false));
    if (!sentinel.empty()) e.sentinel_filename = sentinel;
    if (e.sentinel_filename.find('/') != std::string::npos || e.sentinel_filename == "." ||
        e.sentinel_filename == "..") {
      return err.At(n["sentinel_filename"], where,
                    "'sentinel_filename' must be a file name, not a path");
    }
    FERRY_RETURN_IF_ERROR(ParseTransport(err, n, where, &e.transport));
    config->equipment.push_back(std::move(e));
  }
  return Status::OK();
}

Status ParseCleanup(const Errors& err, const YAML::Node& root, CleanupConfig* c) {
  const std::string where = "nas_cleanup";
  FERRY_ASSIGN_OR_RETURN(YAML::Node n, Mapping(err, root, "nas_cleanup", ""));
  FERRY_RETURN_IF_ERROR(CheckKeys(
      err, n, where,
      {"enabled", "min_verify_passes", "min_age_hours", "retain_cache", "reverify_hours"}));
  FERRY_ASSIGN_OR_RETURN(c->enabled, Bool(err, n, "enabled", where, c->enabled));
  FERRY_ASSIGN_OR_RETURN(double passes,
                         Number(err, n, "min_verify_passes", where, c->min_verify_passes, 1, true));
  c->min_verify_passes = static_cast<int>(passes);
  FERRY_ASSIGN_OR_RETURN(c->min_age_hours,
                         Number(err, n, "min_age_hours", where, c->min_age_hours, 0, false));
  FERRY_ASSIGN_OR_RETURN(c->retain_cache, Bool(err, n, "retain_cache", where, c->retain_cache));
  FERRY_ASSIGN_OR_RETURN(c->reverify_hours,
                         Number(err, n, "reverify_hours", where, c->reverify_hours, 0, false));
  if (c->reverify_hours <= 0) {
    return err.At(n["reverify_hours"], where, "'reverify_hours' must be more than 0");
  }
  return Status::OK();
}

}  // namespace

std::string_view TransportTypeName(TransportType type) {
  switch (type) {
    case TransportType::kRsyncSsh:
      return "rsync_ssh";
    case TransportType::kRclone:
      return "rclone";
    case TransportType::kLocal:
      return "local";
  }
  return "?";
}

const EquipmentConfig* PushConfig::FindEquipment(std::string_view id) const {
  for (const EquipmentConfig& e : equipment) {
    if (e.id == id) return &e;
  }
  return nullptr;
}

Result<PushConfig> ParsePushConfig(const YAML::Node& root, std::string_view source) {
  Errors err{std::string(source)};
  if (!root.IsMap()) {
    return Status::InvalidArgument(std::string(source) +
                                   ": a push config must be a mapping with 'equipment'");
  }
  FERRY_RETURN_IF_ERROR(CheckKeys(
      err, root, "", {"state_dir", "cache_dir", "max_attempts", "equipment", "nas_cleanup"}));
  PushConfig config;
  FERRY_ASSIGN_OR_RETURN(std::string state_dir, Scalar(err, root, "state_dir", "", false));
  if (!state_dir.empty()) config.state_dir = state_dir;
  FERRY_ASSIGN_OR_RETURN(std::string cache_dir, Scalar(err, root, "cache_dir", "", false));
  if (!cache_dir.empty()) config.cache_dir = cache_dir;
  if (config.cache_dir.find('/') != std::string::npos || config.cache_dir == "." ||
      config.cache_dir == "..") {
    return err.At(
        root["cache_dir"], "",
        "'cache_dir' must be one directory name inside each run, not '" + config.cache_dir + "'");
  }
  FERRY_ASSIGN_OR_RETURN(double attempts,
                         Number(err, root, "max_attempts", "", config.max_attempts, 1, true));
  config.max_attempts = static_cast<int>(attempts);
  FERRY_RETURN_IF_ERROR(ParseEquipment(err, root, &config));
  FERRY_RETURN_IF_ERROR(ParseCleanup(err, root, &config.cleanup));
  return config;
}

Result<PushConfig> LoadPushConfig(Env* env, const std::string& path) {
  FERRY_ASSIGN_OR_RETURN(YAML::Node root, ParseYamlFile(env, path, kMaxConfigBytes));
  return ParsePushConfig(root, path);
}

}  // namespace ferry::push
