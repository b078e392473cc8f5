// The three-way table of docs/SYNC.md "Reconcile", run end to end (observe, reconcile,
// execute with backups) over real replicas of every kind and every pair of kinds: the trees
// both sides hold after the sync and the versions kept in each backup area. ReconcileTest.
// EveryThreeWayCaseUnderEveryPolicy checks the plans alone.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <tuple>

#include "base/mem_env.h"
#include "support/temp_dir.h"
#include "sync/replica_under_test.h"
#include "sync/sync_engine.h"

namespace ferry::sync {
namespace {

using S = ChangeState;
using testing::NewReplicaUnderTest;
using testing::ReplicaKind;
using testing::ReplicaUnderTest;

constexpr int64_t kStart = MemEnv::kClockStartUnixNanos;  // 2026-01-01T00:00:00Z
constexpr int64_t kSecond = 1000000000;

// "path=bytes" per file, "path/" per directory, in path order, joined by spaces.
std::string Render(const std::map<std::string, std::string>& tree) {
  std::string out;
  for (const auto& [path, what] : tree) {
    if (!out.empty()) out += " ";
    out += what == "d" ? path + "/" : path + "=" + what.substr(2);
  }
  return out;
}

std::string Render(const std::multiset<std::string>& versions) {
  std::string out;
  for (const std::string& v : versions) out += (out.empty() ? "" : " ") + v;
  return out;
}

struct Outcome {
  const char* tree_a;
  const char* tree_b;
  const char* backups_a;
  const char* backups_b;
};

struct Row {
  ChangeState a;
  ChangeState b;
  bool equal;    // where B wrote: the same bytes as A ("va") or others ("vbbb")
  Outcome want;  // under every policy; tree_a null: a conflict (kConflictOutcome)
};

constexpr Outcome kConflict = {nullptr, nullptr, nullptr, nullptr};
constexpr Outcome kNothing = {"", "", "", ""};
constexpr Outcome kBase = {"notes.md=base", "notes.md=base", "", ""};
constexpr Outcome kA = {"notes.md=va", "notes.md=va", "", ""};
constexpr Outcome kB = {"notes.md=vbbb", "notes.md=vbbb", "", ""};

// A "va" (mtime 300 s) against B "vbbb" (200 s): newer picks A, older and larger pick B.
const std::map<ConflictPolicy, Outcome> kConflictOutcome = {
    {ConflictPolicy::kNewer, {"notes.md=va", "notes.md=va", "", "vbbb"}},
    {ConflictPolicy::kA, {"notes.md=va", "notes.md=va", "", "vbbb"}},
    {ConflictPolicy::kB, {"notes.md=vbbb", "notes.md=vbbb", "va", ""}},
    {ConflictPolicy::kOlder, {"notes.md=vbbb", "notes.md=vbbb", "va", ""}},
    {ConflictPolicy::kLarger, {"notes.md=vbbb", "notes.md=vbbb", "va", ""}},
    {ConflictPolicy::kKeepBoth,
     {"notes.conflict-b-20260101-000000.md=vbbb notes.md=va",
      "notes.conflict-b-20260101-000000.md=vbbb notes.md=va", "", ""}},
    {ConflictPolicy::kSkip, {"notes.md=va", "notes.md=vbbb", "", ""}},
    {ConflictPolicy::kManual, {"notes.md=va", "notes.md=vbbb", "", ""}},
};

const Row kTable[] = {
    {S::kAbsent, S::kAbsent, true, kNothing},
    {S::kAbsent, S::kAbsent, false, kNothing},
    {S::kCreated, S::kAbsent, true, kA},
    {S::kCreated, S::kAbsent, false, kA},
    {S::kAbsent, S::kCreated, true, kA},
    {S::kAbsent, S::kCreated, false, kB},
    {S::kCreated, S::kCreated, true, kA},
    {S::kCreated, S::kCreated, false, kConflict},
    {S::kUnchanged, S::kUnchanged, true, kBase},
    {S::kUnchanged, S::kUnchanged, false, kBase},
    {S::kUnchanged, S::kModified, true, {"notes.md=va", "notes.md=va", "base", ""}},
    {S::kUnchanged, S::kModified, false, {"notes.md=vbbb", "notes.md=vbbb", "base", ""}},
    {S::kUnchanged, S::kDeleted, true, {"", "", "base", ""}},
    {S::kUnchanged, S::kDeleted, false, {"", "", "base", ""}},
    {S::kModified, S::kUnchanged, true, {"notes.md=va", "notes.md=va", "", "base"}},
    {S::kModified, S::kUnchanged, false, {"notes.md=va", "notes.md=va", "", "base"}},
    {S::kModified, S::kModified, true, kA},
    {S::kModified, S::kModified, false, kConflict},
    {S::kModified, S::kDeleted, true, kA},  // the modification is kept
    {S::kModified, S::kDeleted, false, kA},
    {S::kDeleted, S::kUnchanged, true, {"", "", "", "base"}},
    {S::kDeleted, S::kUnchanged, false, {"", "", "", "base"}},
    {S::kDeleted, S::kModified, true, kA},
    {S::kDeleted, S::kModified, false, kB},
    {S::kDeleted, S::kDeleted, true, kNothing},
    {S::kDeleted, S::kDeleted, false, kNothing},
};

const ConflictPolicy kPolicies[] = {ConflictPolicy::kNewer,  ConflictPolicy::kA,
                                    ConflictPolicy::kB,      ConflictPolicy::kOlder,
                                    ConflictPolicy::kLarger, ConflictPolicy::kKeepBoth,
                                    ConflictPolicy::kSkip,   ConflictPolicy::kManual};

// What the user does to notes.md on one side between the syncs.
void Change(ReplicaUnderTest* side, ChangeState state, const std::string& bytes, int64_t mtime) {
  if (state == S::kCreated || state == S::kModified) side->Put("notes.md", bytes, mtime);
  if (state == S::kDeleted) side->Remove("notes.md");
}

Result<SyncReport> Sync(MemEnv* env, const std::string& state_dir, ReplicaUnderTest* a,
                        ReplicaUnderTest* b, ConflictPolicy policy, int64_t started_at_ns) {
  SyncOptions options;
  options.state_dir = state_dir;
  options.force = true;  // one file deleted of one is 100%: the table is not about the guard
  options.reconcile.policy = policy;
  options.reconcile.started_at_ns = started_at_ns;
  return RunSync(env, a->replica(), b->replica(), options);
}

class SyncTableTest : public ::testing::TestWithParam<std::tuple<ReplicaKind, ReplicaKind>> {};

TEST_P(SyncTableTest, EveryThreeWayCaseUnderEveryPolicy) {
  auto [kind_a, kind_b] = GetParam();
  // One pair of replicas for every case (emptied in between): a space is a database file,
  // and making hundreds of them would cost more than the whole table.
  ferry::testing::TempDir dir;
  MemEnv env;
  auto a = NewReplicaUnderTest(kind_a, &env, dir.path(), "a");
  auto b = NewReplicaUnderTest(kind_b, &env, dir.path(), "b");
  int n = 0;
  for (const Row& row : kTable) {
    for (ConflictPolicy policy : kPolicies) {
      std::string what = std::string("A ") + std::string(ChangeStateName(row.a)) + ", B " +
                         std::string(ChangeStateName(row.b)) + ", " +
                         (row.equal ? "equal" : "different") + ", policy " +
                         std::string(ConflictPolicyName(policy));
      SCOPED_TRACE(what);
      a->Reset();
      b->Reset();
      std::string state = "/state/" + std::to_string(++n);  // a fresh baseline
      if (row.a == S::kUnchanged || row.a == S::kModified || row.a == S::kDeleted) {
        a->Put("notes.md", "base", 100 * kSecond);
        Result<SyncReport> first =
            Sync(&env, state, a.get(), b.get(), policy, kStart - 3600 * kSecond);
        ASSERT_TRUE(first.ok()) << first.status().ToString();
      }
      Change(a.get(), row.a, "va", 300 * kSecond);
      Change(b.get(), row.b, row.equal ? "va" : "vbbb", 200 * kSecond);
      Result<SyncReport> r = Sync(&env, state, a.get(), b.get(), policy, kStart);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      Outcome want = row.want.tree_a != nullptr ? row.want : kConflictOutcome.at(policy);
      EXPECT_EQ(Render(a->Tree()), want.tree_a);
      EXPECT_EQ(Render(b->Tree()), want.tree_b);
      EXPECT_EQ(Render(a->Backups()), want.backups_a);
      EXPECT_EQ(Render(b->Backups()), want.backups_b);
      // The baseline now agrees with both trees: a second sync has nothing to do.
      Result<SyncReport> again = Sync(&env, state, a.get(), b.get(), policy, kStart + kSecond);
      ASSERT_TRUE(again.ok()) << again.status().ToString();
      EXPECT_TRUE(again->plan.actions.empty());
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    ReplicaKinds, SyncTableTest,
    ::testing::Values(std::make_tuple(ReplicaKind::kLocal, ReplicaKind::kLocal),
                      std::make_tuple(ReplicaKind::kLocal, ReplicaKind::kSpace),
                      std::make_tuple(ReplicaKind::kSpace, ReplicaKind::kLocal),
                      std::make_tuple(ReplicaKind::kSpace, ReplicaKind::kSpace)),
    [](const ::testing::TestParamInfo<std::tuple<ReplicaKind, ReplicaKind>>& info) {
      return std::string(testing::ReplicaKindName(std::get<0>(info.param))) + "_" +
             std::string(testing::ReplicaKindName(std::get<1>(info.param)));
    });

}  // namespace
}  // namespace ferry::sync
