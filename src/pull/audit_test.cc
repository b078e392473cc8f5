// The audit in its two phases on MemEnv: detection lists repairs and changes nothing; the heal
// does exactly the listed repairs, and a repair that fails is reported with its reason.
#include "pull/audit.h"

#include <gtest/gtest.h>

#include "base/fault_injection_env.h"
#include "base/file_util.h"
#include "base/mem_env.h"
#include "pull/pull_engine.h"
#include "pull/pull_test_util.h"
#include "store/content_store.h"

namespace ferry::pull {
namespace {

using nlohmann::json;
using testing::BundleBytes;
using testing::ExpectInvariants;
using testing::FakeCatalog;
using testing::Package;
using testing::ReadAll;
using testing::ReadReference;
using testing::TableBytes;

constexpr char kRoot[] = "/ws";

class AuditTest : public ::testing::Test {
 protected:
  AuditTest() : catalog_(&http_), layout_(kRoot), linker_(&mem_, DefaultLinkOrder()) {}

  // A pulled workspace: _direct/a, sales/b (shared table tbl_b), ops bundle.
  void PullStack() {
    catalog_.SetTable("tbl_a", TableBytes("tbl_a", 1));
    catalog_.SetTable("tbl_b", TableBytes("tbl_b", 1));
    catalog_.SetBundle("ops", BundleBytes("ops", 1));
    catalog_.SetManifest(
        json::array({catalog_.Entry("tbl_a", "a")}),
        json::array({Package("sales", json::array({catalog_.Entry("tbl_b", "b")}))}),
        json::array({catalog_.Domain("ops")}));
    PullOptions o;
    o.workspace = kRoot;
    o.server_url = testing::kServer;
    o.jobs = 1;
    Result<PullOutcome> r = RunPull(&mem_, &http_, o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    mem_.AdvanceClock(10'000'000'000);
  }

  SyncState State() {
    std::vector<std::string> w;
    return *LoadSyncState(&mem_, layout_.state_path(), &w);
  }

  // What a human or a crash does to a pulled workspace, one of each healable kind.
  void Damage() {
    const std::string a = layout_.reference_path(layout_.direct_dir(), "a");
    ASSERT_TRUE(mem_.RemoveFile(a).ok());  // broken reference
    temp_ = MakeTempPathFor(layout_.reference_path(layout_.package_dir("sales"), "c"));
    ASSERT_TRUE(WriteFileAtomically(&mem_, temp_, "half written").ok());  // leftover temp
    ASSERT_TRUE(CreateDirs(&mem_, layout_.trash_dir()).ok());
    trash_ = JoinPath(layout_.trash_dir(), "old.parquet");
    ASSERT_TRUE(WriteFileAtomically(&mem_, trash_, "dropped").ok());  // leftover trash
    ASSERT_TRUE(mem_.Chmod(layout_.shared_dir(), 0755).ok());
    orphan_ = layout_.shared_path("zzz");
    ASSERT_TRUE(WriteFileAtomically(&mem_, orphan_, "nobody's").ok());  // orphan canonical
    ASSERT_TRUE(CreateDirs(&mem_, DirName(layout_.bundle_path("notes"))).ok());
    ASSERT_TRUE(WriteFileAtomically(&mem_, layout_.bundle_path("notes"), "# notes\n").ok());
    // An untracked reference: the state forgets sales/b, whose link stays on disk.
    SyncState st = State();
    st.data_packages["sales"].erase("b");
    ASSERT_TRUE(SaveSyncState(&mem_, layout_.state_path(), st).ok());
  }

  MemEnv mem_;
  ScriptedHttpClient http_;
  FakeCatalog catalog_;
  WorkspaceLayout layout_;
  Linker linker_;
  std::string temp_, trash_, orphan_;
};

TEST_F(AuditTest, ListingIsExactlyWhatTheHealDoes) {
  PullStack();
  Damage();
  SyncState state = State();
  DigestCache cache(&mem_, layout_.digests_path());
  FaultInjectionEnv watch(&mem_);
  Result<AuditFindings> found = AuditWorkspace(&watch, layout_, state, &linker_, &cache);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(watch.steps(), 0) << "detection wrote: " << watch.log().front();
  const std::vector<std::string> listed = found->Unhealed();
  EXPECT_EQ(listed,
            (std::vector<std::string>{
                "leftover temp file: " + temp_,
                "leftover trash: " + trash_ + " (a dropped canonical not yet freed)",
                "broken reference: " + layout_.reference_path(layout_.direct_dir(), "a"),
                "untracked reference: " + layout_.reference_path(layout_.package_dir("sales"), "b"),
                "orphan _shared parquet: zzz.parquet",
                "untracked bundle: " + layout_.bundle_path("notes"),
            }));
  EXPECT_TRUE(found->violations.empty());

  HealOutcome healed = HealWorkspace(&mem_, found->repairs, &state, &linker_, &cache);
  EXPECT_EQ(healed.healed, listed);
  EXPECT_TRUE(healed.failed.empty()) << healed.failed.front();
  EXPECT_TRUE(healed.state_changed);

  // The bytes on disk after the heal: every reference shows its table, the debris is gone.
  EXPECT_EQ(ReadReference(&mem_, layout_.reference_path(layout_.direct_dir(), "a")),
            catalog_.table("tbl_a"));
  EXPECT_EQ(ReadReference(&mem_, layout_.reference_path(layout_.package_dir("sales"), "b")),
            catalog_.table("tbl_b"));
  EXPECT_EQ(ReadAll(&mem_, layout_.bundle_path("ops")), catalog_.bundle("ops"));
  EXPECT_EQ(ReadAll(&mem_, layout_.bundle_path("notes")), "# notes\n");
  for (const std::string& gone : {temp_, trash_, orphan_}) {
    EXPECT_FALSE(*PathExists(&mem_, gone)) << gone;
  }
  EXPECT_EQ(state.data_packages["sales"].count("b"), 1u);
  EXPECT_EQ(state.memory_domains.count("notes"), 1u);

  // Nothing is left to list.
  Result<AuditFindings> again = AuditWorkspace(&mem_, layout_, state, &linker_, &cache);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->Unhealed().empty()) << again->Unhealed().front();
}

TEST_F(AuditTest, AHealThatFailsIsReportedWithItsReasonAndTheRestIsHealed) {
  PullStack();
  const std::string a = layout_.reference_path(layout_.direct_dir(), "a");
  ASSERT_TRUE(mem_.RemoveFile(a).ok());
  const std::string temp = MakeTempPathFor(layout_.reference_path(layout_.direct_dir(), "t"));
  ASSERT_TRUE(WriteFileAtomically(&mem_, temp, "half written").ok());
  SyncState state = State();
  DigestCache cache(&mem_, layout_.digests_path());
  FaultInjectionEnv faulty(&mem_);
  faulty.FailAlways(FaultOp::kRemove, StatusCode::kPermissionDenied);
  Linker linker(&faulty, DefaultLinkOrder());
  Result<AuditFindings> found = AuditWorkspace(&faulty, layout_, state, &linker, &cache);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_EQ(found->repairs.size(), 2u);

  HealOutcome outcome = HealWorkspace(&faulty, found->repairs, &state, &linker, &cache);
  EXPECT_EQ(outcome.failed,
            (std::vector<std::string>{"leftover temp file: " + temp + " (not healed: unlink " +
                                      temp + ": Permission denied (injected))"}));
  EXPECT_EQ(outcome.healed, (std::vector<std::string>{"broken reference: " + a}));
  EXPECT_TRUE(*PathExists(&mem_, temp));
  EXPECT_EQ(ReadReference(&mem_, a), catalog_.table("tbl_a"));
}

}  // namespace
}  // namespace ferry::pull
