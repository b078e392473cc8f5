#include "push/gate.h"

#include <cctype>

#include "push/iso_time.h"

namespace ferry::push {
namespace {

constexpr size_t kLongPathChars = 200;

// Run kinds: the container directory and the prefix its runs carry.
struct RunKind {
  std::string_view container;
  std::string_view prefix;
};
constexpr RunKind kRunKinds[] = {{"Runs", "Run_"}};

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

void Add(std::vector<GateFinding>* out, const char* rule, GateSeverity severity,
         std::string_view segment, std::string message) {
  out->push_back({rule, severity, std::string(segment), std::move(message)});
}

// "<...>" with something inside and no nested angle bracket.
bool HasPlaceholder(std::string_view s) {
  for (size_t open = s.find('<'); open != std::string_view::npos; open = s.find('<', open + 1)) {
    const size_t close = s.find_first_of("<>", open + 1);
    if (close != std::string_view::npos && s[close] == '>' && close > open + 1) return true;
  }
  return false;
}

bool IsReservedName(std::string_view segment) {
  std::string stem(segment.substr(0, segment.find('.')));
  while (!stem.empty() && stem.back() == ' ') stem.pop_back();
  for (char& c : stem) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (stem == "CON" || stem == "PRN" || stem == "AUX" || stem == "NUL") return true;
  return stem.size() == 4 && (stem.compare(0, 3, "COM") == 0 || stem.compare(0, 3, "LPT") == 0) &&
         stem[3] >= '1' && stem[3] <= '9';
}

std::string IllegalCharacters(std::string_view segment) {
  std::string found;
  for (char c : segment) {
    const auto u = static_cast<unsigned char>(c);
    const bool illegal =
        u < 0x20 || u == 0x7f || std::string_view("<>:\"\\|?*").find(c) != std::string_view::npos;
    if (!illegal) continue;
    std::string shown = u < 0x20 || u == 0x7f ? "\\x" + std::string(1, "0123456789abcdef"[u >> 4]) +
                                                    std::string(1, "0123456789abcdef"[u & 15])
                                              : std::string(1, c);
    if (found.find(shown) == std::string::npos) found += shown;
  }
  return found;
}

void CheckRunKind(const std::vector<std::string_view>& segments, std::vector<GateFinding>* out) {
  if (segments.empty()) return;
  const std::string_view leaf = segments.back();
  const std::string_view parent = segments.size() >= 2 ? segments[segments.size() - 2] : "";
  for (const RunKind& kind : kRunKinds) {
    const bool in_container = parent == kind.container;
    const bool has_prefix = leaf.substr(0, kind.prefix.size()) == kind.prefix;
    if (in_container && !has_prefix) {
      Add(out, "run_kind_prefix", GateSeverity::kHard, leaf,
          "run " + Quoted(leaf) + " is under " + Quoted(kind.container) + " but is not named " +
              std::string(kind.prefix) + "...; rename it or move it");
    } else if (!in_container && has_prefix) {
      Add(out, "run_kind_prefix", GateSeverity::kHard, leaf,
          "run " + Quoted(leaf) + " is named " + std::string(kind.prefix) +
              "... but is not under " + Quoted(kind.container) + "; move it into its project's " +
              std::string(kind.container) + "/ directory");
    }
  }
}

Result<int64_t> TimeField(const nlohmann::json& entry, const char* key, const std::string& where) {
  auto it = entry.find(key);
  if (it == entry.end() || it->is_null()) return int64_t{0};
  const std::string text = it->is_string() ? it->get<std::string>() : it->dump();
  const int64_t t = ParseIsoUtc(text);
  if (t == 0) {
    return Status::InvalidArgument(where + ": " + key + " '" + text +
                                   "' is not an ISO-8601 UTC time (e.g. 2026-01-31T18:00:00Z)");
  }
  return t;
}

Result<std::string> StringField(const nlohmann::json& entry, const char* key,
                                const std::string& where, bool required) {
  auto it = entry.find(key);
  if (it == entry.end() || it->is_null()) {
    if (required) return Status::InvalidArgument(where + ": '" + key + "' is required");
    return std::string();
  }
  if (!it->is_string()) {
    return Status::InvalidArgument(where + ": '" + key + "' must be a string");
  }
  return it->get<std::string>();
}

}  // namespace

Result<std::string> PathBelowRoot(std::string_view run_path, std::string_view local_root) {
  std::string_view root = local_root;
  while (root.size() > 1 && root.back() == '/') root.remove_suffix(1);
  std::string_view run = run_path;
  while (run.size() > 1 && run.back() == '/') run.remove_suffix(1);
  const std::string prefix = root == "/" ? "/" : std::string(root) + "/";
  if (run.size() <= prefix.size() || run.substr(0, prefix.size()) != prefix) {
    return Status::InvalidArgument("run " + std::string(run_path) + " is not below local_root " +
                                   std::string(local_root));
  }
  return std::string(run.substr(prefix.size()));
}

std::vector<GateFinding> CheckRunPath(std::string_view path_below_root) {
  std::vector<GateFinding> out;
  const std::vector<std::string_view> segments = Split(path_below_root);
  for (std::string_view seg : segments) {
    if (HasPlaceholder(seg)) {
      Add(&out, "unresolved_placeholder", GateSeverity::kHard, seg,
          Quoted(seg) + " has an unresolved <placeholder>; fill it in and rename the directory");
    }
    if (seg.find("{{") != std::string_view::npos || seg.find("}}") != std::string_view::npos ||
        seg.find("{%") != std::string_view::npos || seg.find("%}") != std::string_view::npos) {
      Add(&out, "template_leftover", GateSeverity::kHard, seg,
          Quoted(seg) + " has template syntax ({{ }} or {% %}) left in it; rename the directory");
    }
    const std::string illegal = IllegalCharacters(seg);
    if (!illegal.empty()) {
      Add(&out, "illegal_character", GateSeverity::kHard, seg,
          Quoted(seg) + " has characters the NAS cannot store (" + illegal + "); rename it");
    }
    if (IsReservedName(seg)) {
      Add(&out, "reserved_name", GateSeverity::kHard, seg,
          Quoted(seg) +
              " is a reserved name on Windows (CON, PRN, AUX, NUL, COM1-9, LPT1-9); "
              "rename it");
    }
    if (seg.back() == '.' || seg.back() == ' ') {
      Add(&out, "trailing_dot_or_space", GateSeverity::kSoft, seg,
          Quoted(seg) + " ends with a dot or a space, which Windows clients drop");
    }
    if (seg.front() == ' ') {
      Add(&out, "leading_space", GateSeverity::kSoft, seg, Quoted(seg) + " starts with a space");
    }
    for (char c : seg) {
      if (static_cast<unsigned char>(c) >= 0x80) {
        Add(&out, "non_ascii", GateSeverity::kSoft, seg,
            Quoted(seg) +
                " has non-ASCII characters, which other clients may normalise "
                "differently");
        break;
      }
    }
  }
  CheckRunKind(segments, &out);
  if (path_below_root.size() > kLongPathChars) {
    Add(&out, "long_path", GateSeverity::kSoft, path_below_root,
        "the path below local_root is " + std::to_string(path_below_root.size()) +
            " characters long (more than " + std::to_string(kLongPathChars) +
            "); Windows clients of the NAS may not open it");
  }
  return out;
}

bool IsOverrideActive(const GateOverride& o, int64_t now) {
  if (o.tombstoned) return false;
  if (o.revoked_at != 0 && o.revoked_at <= now) return false;
  if (o.expires_at != 0 && o.expires_at <= now) return false;
  return true;
}

bool OverrideMatches(const GateOverride& o, const GateFinding& finding) {
  return o.rule == finding.rule && (o.segment.empty() || o.segment == finding.segment);
}

GateVerdict EvaluateGate(const std::vector<GateFinding>& findings,
                         const std::vector<GateOverride>& overrides, int64_t now) {
  GateVerdict v;
  for (const GateFinding& f : findings) {
    if (f.severity == GateSeverity::kSoft) {
      v.soft.push_back(f);
      continue;
    }
    bool excused = false;
    for (const GateOverride& o : overrides) {
      if (IsOverrideActive(o, now) && OverrideMatches(o, f)) {
        excused = true;
        break;
      }
    }
    (excused ? v.overridden : v.blocking).push_back(f);
  }
  v.eligible = v.blocking.empty();
  return v;
}

bool AnyOverrideRevokedSince(const std::vector<GateOverride>& overrides, int64_t since,
                             int64_t now) {
  for (const GateOverride& o : overrides) {
    if (o.revoked_at != 0 && o.revoked_at > since && o.revoked_at <= now) return true;
  }
  return false;
}

Result<std::vector<GateOverride>> ParseOverrides(const nlohmann::json& creation) {
  std::vector<GateOverride> out;
  if (!creation.is_object()) return Status::InvalidArgument("creation.json must be an object");
  auto list = creation.find("validation_overrides");
  if (list == creation.end() || list->is_null()) return out;
  if (!list->is_array()) {
    return Status::InvalidArgument("validation_overrides must be a list");
  }
  for (size_t i = 0; i < list->size(); ++i) {
    const nlohmann::json& e = (*list)[i];
    const std::string where = "validation_overrides[" + std::to_string(i) + "]";
    if (!e.is_object()) return Status::InvalidArgument(where + ": must be an object");
    GateOverride o;
    FERRY_ASSIGN_OR_RETURN(o.rule, StringField(e, "rule", where, true));
    FERRY_ASSIGN_OR_RETURN(o.segment, StringField(e, "segment", where, false));
    FERRY_ASSIGN_OR_RETURN(o.reason, StringField(e, "reason", where, false));
    FERRY_ASSIGN_OR_RETURN(o.created_by, StringField(e, "created_by", where, false));
    FERRY_ASSIGN_OR_RETURN(o.created_at, TimeField(e, "created_at", where));
    FERRY_ASSIGN_OR_RETURN(o.expires_at, TimeField(e, "expires_at", where));
    FERRY_ASSIGN_OR_RETURN(o.revoked_at, TimeField(e, "revoked_at", where));
    auto tomb = e.find("tombstoned");
    if (tomb != e.end() && !tomb->is_null()) {
      if (!tomb->is_boolean()) {
        return Status::InvalidArgument(where + ": 'tombstoned' must be true or false");
      }
      o.tombstoned = tomb->get<bool>();
    }
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace ferry::push
