// The Pre-Sync Gate: one test per rule (messages word for word), per override state, and the
// guarantee that only the path below local_root is checked.
#include "push/gate.h"

#include <gtest/gtest.h>

namespace ferry::push {
namespace {

constexpr int64_t kNow = 1'800'000'000;

std::vector<std::string> Rules(const std::vector<GateFinding>& findings) {
  std::vector<std::string> out;
  for (const GateFinding& f : findings) out.push_back(f.rule);
  return out;
}

using Strings = std::vector<std::string>;

TEST(GateTest, CleanRunPathHasNoFindings) {
  EXPECT_TRUE(CheckRunPath("CONFOCAL_01/PROJ-0001/Runs/Run_2026-01-01").empty());
}

TEST(GateTest, UnresolvedPlaceholder) {
  std::vector<GateFinding> f = CheckRunPath("CONFOCAL_01/PROJ-0001/Runs/Run_<date>");
  EXPECT_EQ(Rules(f), (Strings{"unresolved_placeholder", "illegal_character"}));
  EXPECT_EQ(f[0].segment, "Run_<date>");
  EXPECT_EQ(f[0].severity, GateSeverity::kHard);
  EXPECT_EQ(f[0].message,
            "'Run_<date>' has an unresolved <placeholder>; fill it in and rename the directory");
}

TEST(GateTest, TemplateLeftovers) {
  for (const char* seg : {"P{{ project }}", "P}}", "{% if x %}", "x%}"}) {
    std::vector<GateFinding> f = CheckRunPath(std::string("EQ/") + seg + "/Runs/Run_1");
    ASSERT_FALSE(f.empty()) << seg;
    EXPECT_EQ(f[0].rule, "template_leftover") << seg;
  }
  EXPECT_EQ(CheckRunPath("EQ/P{{x}}/Runs/Run_1")[0].message,
            "'P{{x}}' has template syntax ({{ }} or {% %}) left in it; rename the directory");
}

TEST(GateTest, IllegalCharacters) {
  std::vector<GateFinding> f = CheckRunPath("EQ/a:b|c?/Runs/Run_1");
  EXPECT_EQ(Rules(f), (Strings{"illegal_character"}));
  EXPECT_EQ(f[0].message, "'a:b|c?' has characters the NAS cannot store (:|?); rename it");
  std::vector<GateFinding> ctl = CheckRunPath(std::string("EQ/tab\there/Runs/Run_1"));
  ASSERT_EQ(Rules(ctl), (Strings{"illegal_character"}));
  EXPECT_EQ(ctl[0].message, "'tab\there' has characters the NAS cannot store (\\x09); rename it");
  for (const char* seg : {"a\"b", "a\\b", "a*b", "a<b", "a>b"}) {
    EXPECT_EQ(Rules(CheckRunPath(std::string("EQ/") + seg + "/Runs/Run_1")),
              (Strings{"illegal_character"}))
        << seg;
  }
}

TEST(GateTest, ReservedNames) {
  for (const char* seg : {"CON", "prn", "Aux", "NUL.txt", "COM1", "com9", "LPT1", "lpt9.dat"}) {
    std::vector<GateFinding> f = CheckRunPath(std::string("EQ/") + seg + "/Runs/Run_1");
    ASSERT_EQ(Rules(f), (Strings{"reserved_name"})) << seg;
  }
  for (const char* seg : {"CONSOLE", "COM10", "COM0", "LPT", "NULL", "AUXILIARY"}) {
    EXPECT_TRUE(CheckRunPath(std::string("EQ/") + seg + "/Runs/Run_1").empty()) << seg;
  }
  EXPECT_EQ(CheckRunPath("EQ/CON/Runs/Run_1")[0].message,
            "'CON' is a reserved name on Windows (CON, PRN, AUX, NUL, COM1-9, LPT1-9); rename it");
}

TEST(GateTest, RunKindPrefixMismatchBothWays) {
  std::vector<GateFinding> wrong_name = CheckRunPath("EQ/P1/Runs/Calibration_1");
  ASSERT_EQ(Rules(wrong_name), (Strings{"run_kind_prefix"}));
  EXPECT_EQ(wrong_name[0].message,
            "run 'Calibration_1' is under 'Runs' but is not named Run_...; rename it or move it");
  std::vector<GateFinding> wrong_place = CheckRunPath("EQ/P1/Run_2026-01-01");
  ASSERT_EQ(Rules(wrong_place), (Strings{"run_kind_prefix"}));
  EXPECT_EQ(wrong_place[0].message,
            "run 'Run_2026-01-01' is named Run_... but is not under 'Runs'; move it into its "
            "project's Runs/ directory");
}

TEST(GateTest, SoftRulesAreReportedAsSoft) {
  std::vector<GateFinding> f = CheckRunPath("EQ/P1 /Runs/Run_1");
  ASSERT_EQ(Rules(f), (Strings{"trailing_dot_or_space"}));
  EXPECT_EQ(f[0].severity, GateSeverity::kSoft);
  EXPECT_EQ(Rules(CheckRunPath("EQ/P1./Runs/Run_1")), (Strings{"trailing_dot_or_space"}));
  EXPECT_EQ(Rules(CheckRunPath("EQ/ P1/Runs/Run_1")), (Strings{"leading_space"}));
  EXPECT_EQ(Rules(CheckRunPath("EQ/Probe_\xc3\xa4/Runs/Run_1")), (Strings{"non_ascii"}));
  EXPECT_EQ(Rules(CheckRunPath("EQ/" + std::string(200, 'p') + "/Runs/Run_1")),
            (Strings{"long_path"}));
  GateVerdict v = EvaluateGate(f, {}, kNow);
  EXPECT_TRUE(v.eligible);
  EXPECT_EQ(v.soft.size(), 1u);
}

TEST(GateTest, OnlyThePathBelowLocalRootIsChecked) {
  Result<std::string> below =
      PathBelowRoot("/mnt/<lab>/{{x}}/CON/EQ/P1/Runs/Run_1", "/mnt/<lab>/{{x}}/CON/");
  ASSERT_TRUE(below.ok()) << below.status().message();
  EXPECT_EQ(*below, "EQ/P1/Runs/Run_1");
  EXPECT_TRUE(CheckRunPath(*below).empty());
}

TEST(GateTest, RunOutsideLocalRootIsAnError) {
  EXPECT_EQ(PathBelowRoot("/data/labx/EQ/Run_1", "/data/lab").status().message(),
            "run /data/labx/EQ/Run_1 is not below local_root /data/lab");
  EXPECT_FALSE(PathBelowRoot("/data/lab", "/data/lab").ok());
  EXPECT_EQ(*PathBelowRoot("/data/lab/EQ/", "/data/lab"), "EQ");
}

GateOverride Override(const std::string& rule, const std::string& segment = "") {
  GateOverride o;
  o.rule = rule;
  o.segment = segment;
  o.created_at = kNow - 100;
  return o;
}

TEST(GateTest, HardFindingBlocksWithoutOverride) {
  GateVerdict v = EvaluateGate(CheckRunPath("EQ/CON/Runs/Run_1"), {}, kNow);
  EXPECT_FALSE(v.eligible);
  ASSERT_EQ(v.blocking.size(), 1u);
  EXPECT_EQ(v.blocking[0].rule, "reserved_name");
}

TEST(GateTest, ActiveOverrideUnblocks) {
  GateVerdict v =
      EvaluateGate(CheckRunPath("EQ/CON/Runs/Run_1"), {Override("reserved_name")}, kNow);
  EXPECT_TRUE(v.eligible);
  EXPECT_EQ(v.overridden.size(), 1u);
  EXPECT_TRUE(v.blocking.empty());
}

TEST(GateTest, OverrideForAnotherSegmentOrRuleDoesNotUnblock) {
  const auto findings = CheckRunPath("EQ/CON/Runs/Run_1");
  EXPECT_FALSE(EvaluateGate(findings, {Override("reserved_name", "PRN")}, kNow).eligible);
  EXPECT_FALSE(EvaluateGate(findings, {Override("illegal_character")}, kNow).eligible);
  EXPECT_TRUE(EvaluateGate(findings, {Override("reserved_name", "CON")}, kNow).eligible);
}

TEST(GateTest, RevokedOverrideDoesNotUnblock) {
  GateOverride o = Override("reserved_name");
  o.revoked_at = kNow - 1;
  EXPECT_FALSE(IsOverrideActive(o, kNow));
  EXPECT_FALSE(EvaluateGate(CheckRunPath("EQ/CON/Runs/Run_1"), {o}, kNow).eligible);
  o.revoked_at = kNow + 60;  // revocation scheduled for later: still active now
  EXPECT_TRUE(IsOverrideActive(o, kNow));
}

TEST(GateTest, TombstonedOverrideDoesNotUnblock) {
  GateOverride o = Override("reserved_name");
  o.tombstoned = true;
  EXPECT_FALSE(IsOverrideActive(o, kNow));
  EXPECT_FALSE(EvaluateGate(CheckRunPath("EQ/CON/Runs/Run_1"), {o}, kNow).eligible);
}

TEST(GateTest, ExpiredOverrideDoesNotUnblock) {
  GateOverride o = Override("reserved_name");
  o.expires_at = kNow;  // expiry is exclusive: at that second it is over
  EXPECT_FALSE(IsOverrideActive(o, kNow));
  EXPECT_FALSE(EvaluateGate(CheckRunPath("EQ/CON/Runs/Run_1"), {o}, kNow).eligible);
  o.expires_at = kNow + 1;
  EXPECT_TRUE(IsOverrideActive(o, kNow));
}

TEST(GateTest, RevokedSinceIsACleanupInterlock) {
  GateOverride o = Override("reserved_name");
  o.revoked_at = kNow - 3600;
  EXPECT_TRUE(AnyOverrideRevokedSince({o}, kNow - 24 * 3600, kNow));
  EXPECT_FALSE(AnyOverrideRevokedSince({o}, kNow - 1800, kNow));
  EXPECT_FALSE(AnyOverrideRevokedSince({Override("x")}, 0, kNow));
}

TEST(GateTest, OverridesParseFromCreationJson) {
  nlohmann::json creation = nlohmann::json::parse(R"({
    "sync_status": "pending",
    "validation_overrides": [
      {"rule": "reserved_name", "segment": "CON", "reason": "legacy instrument",
       "created_by": "alice", "created_at": "2026-01-01T00:00:00Z",
       "expires_at": "2026-02-01T00:00:00Z", "revoked_at": null, "tombstoned": false},
      {"rule": "illegal_character", "revoked_at": "2026-01-05T12:00:00Z", "tombstoned": true}
    ]})");
  Result<std::vector<GateOverride>> o = ParseOverrides(creation);
  ASSERT_TRUE(o.ok()) << o.status().message();
  ASSERT_EQ(o->size(), 2u);
  EXPECT_EQ((*o)[0].rule, "reserved_name");
  EXPECT_EQ((*o)[0].segment, "CON");
  EXPECT_EQ((*o)[0].created_by, "alice");
  EXPECT_EQ((*o)[0].created_at, 1767225600);
  EXPECT_EQ((*o)[0].expires_at, 1767225600 + 31 * 86400);
  EXPECT_EQ((*o)[0].revoked_at, 0);
  EXPECT_FALSE((*o)[0].tombstoned);
  EXPECT_EQ((*o)[1].revoked_at, 1767225600 + 4 * 86400 + 12 * 3600);
  EXPECT_TRUE((*o)[1].tombstoned);
  EXPECT_TRUE(ParseOverrides(nlohmann::json::object())->empty());
}

TEST(GateTest, BadOverrideNamesEntryAndField) {
  EXPECT_EQ(ParseOverrides(
                nlohmann::json::parse(R"({"validation_overrides": [{"rule": "a"}, {"rule": "b", )"
                                      R"("expires_at": "soon"}]})"))
                .status()
                .message(),
            "validation_overrides[1]: expires_at 'soon' is not an ISO-8601 UTC time (e.g. "
            "2026-01-31T18:00:00Z)");
  EXPECT_EQ(
      ParseOverrides(nlohmann::json::parse(R"({"validation_overrides": [{}]})")).status().message(),
      "validation_overrides[0]: 'rule' is required");
  EXPECT_EQ(ParseOverrides(nlohmann::json::parse(
                               R"({"validation_overrides": [{"rule": "a", "tombstoned": "yes"}]})"))
                .status()
                .message(),
            "validation_overrides[0]: 'tombstoned' must be true or false");
}

}  // namespace
}  // namespace ferry::push
