// Each cleanup interlock on its own: a fact set that passes all of them, then one fact changed
// at a time, with the refusal asserted word for word.
#include "push/cleanup_interlocks.h"

#include <gtest/gtest.h>

namespace ferry::push {
namespace {

constexpr int64_t kVerifiedAt = 1767225600;  // 2026-01-01T00:00:00Z
constexpr int64_t kHour = 3600;

class CleanupInterlocksTest : public ::testing::Test {
 protected:
  CleanupInterlocksTest() {
    config_.enabled = true;
    config_.min_verify_passes = 2;
    config_.min_age_hours = 24;
    facts_.job.id = 7;
    facts_.job.state = JobState::kVerified;
    facts_.job.nas_path = "/srv/lab/EQ/P/Runs/Run_1";
    facts_.job.verify_passes = 2;
    facts_.job.verified_at = kVerifiedAt;
    facts_.now = kVerifiedAt + 24 * kHour;  // exactly min_age later: allowed
    facts_.local_files = {{"a.tif", 10}, {"sub/b.csv", 3}};
    facts_.remote_listing = std::vector<RemoteFile>{{"a.tif", 10}, {"sub/b.csv", 3}};
  }
  std::vector<std::string> Refusals() {
    CleanupVerdict v = EvaluateCleanupInterlocks(config_, facts_);
    EXPECT_EQ(v.allowed, v.refusals.empty());
    return v.refusals;
  }

  CleanupConfig config_;
  CleanupFacts facts_;
};

using Lines = std::vector<std::string>;

TEST_F(CleanupInterlocksTest, AllInterlocksHoldAllowsCleanup) {
  EXPECT_TRUE(EvaluateCleanupInterlocks(config_, facts_).allowed);
}

TEST_F(CleanupInterlocksTest, ExtraRemoteFilesDoNotRefuse) {
  facts_.remote_listing->push_back({".ferry/checksums.sha256", 99});
  EXPECT_TRUE(EvaluateCleanupInterlocks(config_, facts_).allowed);
}

TEST_F(CleanupInterlocksTest, DisabledCleanupRefuses) {
  config_.enabled = false;
  EXPECT_EQ(Refusals(), Lines{"cleanup is disabled (nas_cleanup: enabled: false)"});
}

TEST_F(CleanupInterlocksTest, TooFewVerifyPassesRefuse) {
  facts_.job.verify_passes = 1;
  EXPECT_EQ(Refusals(), Lines{"1 verify pass(es), 2 required (nas_cleanup: min_verify_passes)"});
}

TEST_F(CleanupInterlocksTest, OneSecondShortOfMinAgeRefuses) {
  facts_.now = kVerifiedAt + 24 * kHour - 1;
  EXPECT_EQ(Refusals(), Lines{"first verified at 2026-01-01T00:00:00Z, less than 24 h ago "
                              "(nas_cleanup: min_age_hours)"});
}

TEST_F(CleanupInterlocksTest, NeverVerifiedRefuses) {
  facts_.job.verified_at = 0;
  EXPECT_EQ(Refusals(), Lines{"the run was never verified"});
}

TEST_F(CleanupInterlocksTest, OverrideRevokedWithinMinAgeRefuses) {
  GateOverride o;
  o.rule = "reserved_name";
  o.revoked_at = facts_.now - 23 * kHour;
  facts_.overrides = {o};
  EXPECT_EQ(Refusals(), Lines{"a validation override of the run was revoked within the last 24 h"});
}

TEST_F(CleanupInterlocksTest, OverrideRevokedBeforeTheWindowDoesNotRefuse) {
  GateOverride o;
  o.rule = "reserved_name";
  o.revoked_at = facts_.now - 24 * kHour;  // the window (now - 24 h, now] excludes it
  facts_.overrides = {o};
  EXPECT_TRUE(EvaluateCleanupInterlocks(config_, facts_).allowed);
}

TEST_F(CleanupInterlocksTest, NoRemoteListingRefuses) {
  facts_.remote_listing.reset();
  EXPECT_EQ(Refusals(), Lines{"no listing of the NAS copy /srv/lab/EQ/P/Runs/Run_1 could be "
                              "taken; cleanup needs one"});
}

TEST_F(CleanupInterlocksTest, AFileMissingFromTheNasRefuses) {
  facts_.remote_listing = std::vector<RemoteFile>{{"a.tif", 10}};
  EXPECT_EQ(Refusals(), Lines{"1 file(s) missing from the NAS copy /srv/lab/EQ/P/Runs/Run_1: "
                              "sub/b.csv"});
}

TEST_F(CleanupInterlocksTest, AnEmptyRemoteListingRefusesNamingAFewFiles) {
  facts_.local_files = {{"1", 1}, {"2", 1}, {"3", 1}, {"4", 1}, {"5", 1}};
  facts_.remote_listing = std::vector<RemoteFile>{};
  EXPECT_EQ(Refusals(), Lines{"5 file(s) missing from the NAS copy /srv/lab/EQ/P/Runs/Run_1: "
                              "1, 2, 3 and 2 more"});
}

TEST_F(CleanupInterlocksTest, AFileWithAnotherSizeOnTheNasRefuses) {
  facts_.remote_listing = std::vector<RemoteFile>{{"a.tif", 9}, {"sub/b.csv", 3}};
  EXPECT_EQ(Refusals(), Lines{"1 file(s) with another size on the NAS copy "
                              "/srv/lab/EQ/P/Runs/Run_1: a.tif (9 bytes on the NAS, 10 here)"});
}

TEST_F(CleanupInterlocksTest, EveryFailingInterlockIsReported) {
  config_.enabled = false;
  facts_.job.verify_passes = 0;
  facts_.job.verified_at = 0;
  facts_.remote_listing.reset();
  EXPECT_EQ(Refusals().size(), 4u);
}

}  // namespace
}  // namespace ferry::push
