// The Pre-Sync Gate: rules a run's path must pass before it is pushed, and the overrides that
// let a person push a run anyway. Pure functions: the caller reads creation.json (where the
// overrides live) and passes the clock.
//
// Only the path below local_root is checked (local_root itself is the lab's choice, not the
// instrument's): for /data/lab + /data/lab/CONFOCAL_01/P1/Runs/Run_2026-01-01 the gate sees
// "CONFOCAL_01/P1/Runs/Run_2026-01-01", segment by segment.
//
// Hard rules (block the push unless an active override names them):
//   unresolved_placeholder  a <placeholder> the naming template never filled ("Run_<date>")
//   template_leftover       "{{", "}}", "{%" or "%}" left by a template engine
//   illegal_character       < > : " \ | ? * or a control character (SMB / Windows clients of
//                           the NAS cannot name such a file)
//   reserved_name           CON PRN AUX NUL COM1-9 LPT1-9, any case, with or without extension
//   run_kind_prefix         a run under "Runs/" not named "Run_...", or a "Run_..." outside
//                           "Runs/"
// Soft rules (reported, never block):
//   trailing_dot_or_space   Windows clients drop them, so two names can collide on the NAS
//   leading_space
//   non_ascii               may be normalised differently (NFC/NFD) by another client
//   long_path               more than 200 characters below local_root (Windows' 260 limit
//                           once the NAS share prefix is added)
//
// Overrides (creation.json "validation_overrides", format in docs/PUSH.md) are active when not
// revoked (revoked_at unset or in the future), not tombstoned and not expired (expires_at
// unset or in the future). An override names a rule and optionally the segment it excuses.
//
// Thread-safety: pure functions.
#ifndef FERRY_PUSH_GATE_H_
#define FERRY_PUSH_GATE_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/status.h"

namespace ferry::push {

enum class GateSeverity { kHard, kSoft };

struct GateFinding {
  std::string rule;  // e.g. "reserved_name"
  GateSeverity severity = GateSeverity::kHard;
  std::string segment;  // the path segment it is about
  std::string message;  // one line for a person: what, where, what to do
};

struct GateOverride {
  std::string rule;
  std::string segment;  // empty: every finding of the rule
  std::string reason;
  std::string created_by;
  int64_t created_at = 0;
  int64_t expires_at = 0;  // 0: never
  int64_t revoked_at = 0;  // 0: not revoked
  bool tombstoned = false;
};

struct GateVerdict {
  bool eligible = true;                 // no blocking finding
  std::vector<GateFinding> blocking;    // hard, no active override
  std::vector<GateFinding> overridden;  // hard, excused by an active override
  std::vector<GateFinding> soft;        // reported only
};

// The run's path below local_root ("EQ/P/Runs/Run_1"); kInvalidArgument when run_path is not
// strictly below local_root.
Result<std::string> PathBelowRoot(std::string_view run_path, std::string_view local_root);

// Every finding of every rule on a path below local_root, in path order.
std::vector<GateFinding> CheckRunPath(std::string_view path_below_root);

bool IsOverrideActive(const GateOverride& o, int64_t now);

// Whether an override matches a finding (same rule; same segment unless the override has none).
bool OverrideMatches(const GateOverride& o, const GateFinding& finding);

GateVerdict EvaluateGate(const std::vector<GateFinding>& findings,
                         const std::vector<GateOverride>& overrides, int64_t now);

// True when an override was revoked in (since, now]: a cleanup interlock (a person withdrew an
// excuse recently; do not delete the local copy yet).
bool AnyOverrideRevokedSince(const std::vector<GateOverride>& overrides, int64_t since,
                             int64_t now);

// The "validation_overrides" of a creation.json document (missing: none). Errors name the
// entry and field: "validation_overrides[1]: expires_at 'soon' is not an ISO-8601 UTC time
// (e.g. 2026-01-31T18:00:00Z)".
Result<std::vector<GateOverride>> ParseOverrides(const nlohmann::json& creation);

}  // namespace ferry::push

#endif  // FERRY_PUSH_GATE_H_
