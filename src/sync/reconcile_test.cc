#include "sync/reconcile.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "base/mem_env.h"
#include "sync/renames.h"
#include "sync/safety_checks.h"

namespace ferry::sync {
namespace {

using S = ChangeState;
constexpr int64_t kStart = MemEnv::kClockStartUnixNanos;  // 2026-01-01T00:00:00Z

// Builds observations and a baseline by hand, path by path: the planner needs no filesystem.
class Scene {
 public:
  Scene() : baseline_("local:/a", "local:/b") {}

  // A path both sides held at the last sync.
  Scene& Base(const std::string& path, const std::string& content,
              EntryKind kind = EntryKind::kFile) {
    BaselineRecord r;
    r.kind = kind;
    if (kind != EntryKind::kDir) {
      r.size = content.size();
      r.hash = HashBytes(content);
    }
    r.a = {100, 1, 0644};
    r.b = {100, 2, 0644};
    records_.emplace_back(path, r);
    return *this;
  }
  // The state of `path` on `side` now (kCreated / kModified: with this content and mtime).
  Scene& On(Side side, const std::string& path, ChangeState state, const std::string& content = "",
            int64_t mtime_ns = 0, EntryKind kind = EntryKind::kFile) {
    Observed o;
    o.state = state;
    o.kind = kind;
    o.mtime_ns = mtime_ns;
    o.mode = 0644;
    if (kind != EntryKind::kDir) {
      o.size = content.size();
      o.hash = HashBytes(content);
    }
    if (state == S::kDeleted) {
      for (const auto& [record_path, r] : records_) {
        if (record_path == path) {
          o.kind = r.kind;
          o.size = r.size;
          o.hash = r.hash;
        }
      }
    }
    EXPECT_TRUE((side == Side::kA ? a_ : b_).Add(path, o).ok());
    return *this;
  }

  SyncPlan Plan(ReconcileOptions options = {}) {
    EXPECT_TRUE(baseline_.SetRecords(records_).ok());
    for (Observations* o : {&a_, &b_}) {
      o->SortByPath();
    }
    if (options.started_at_ns == 0) options.started_at_ns = kStart;
    return Reconcile(a_, b_, baseline_, options);
  }
  const Baseline& baseline() const { return baseline_; }

 private:
  Baseline baseline_;
  std::vector<std::pair<std::string, BaselineRecord>> records_;
  Observations a_;
  Observations b_;
};

// One line per action, then conflicts, the count of equal paths and skips, joined by "; ".
std::string Render(const SyncPlan& plan) {
  std::vector<std::string> parts;
  for (const SyncAction& act : plan.actions) {
    std::string s =
        std::string(ActionOpName(act.op)) + " " + std::string(SideName(act.side)) + " " + act.path;
    if (act.op == ActionOp::kRename) s += " -> " + act.to_path;
    parts.push_back(s);
  }
  for (const Conflict& c : plan.conflicts) {
    parts.push_back("conflict " + c.path + " " +
                    (c.winner ? "winner " + std::string(SideName(*c.winner)) : "untouched"));
  }
  if (plan.equal > 0) parts.push_back("equal " + std::to_string(plan.equal));
  for (const SkippedPath& s : plan.skipped) parts.push_back("skip " + s.path);
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

const std::vector<ConflictPolicy> kPolicies = {ConflictPolicy::kNewer,  ConflictPolicy::kA,
                                               ConflictPolicy::kB,      ConflictPolicy::kOlder,
                                               ConflictPolicy::kLarger, ConflictPolicy::kKeepBoth,
                                               ConflictPolicy::kSkip,   ConflictPolicy::kManual};

// In every conflict of the table, A holds "va" (2 bytes, mtime 300) and B "vbbb" (4 bytes,
// mtime 200): newer picks A, older and larger pick B.
const std::map<ConflictPolicy, std::string> kConflictOutcome = {
    {ConflictPolicy::kNewer, "copy b notes.md; conflict notes.md winner a"},
    {ConflictPolicy::kA, "copy b notes.md; conflict notes.md winner a"},
    {ConflictPolicy::kB, "copy a notes.md; conflict notes.md winner b"},
    {ConflictPolicy::kOlder, "copy a notes.md; conflict notes.md winner b"},
    {ConflictPolicy::kLarger, "copy a notes.md; conflict notes.md winner b"},
    {ConflictPolicy::kKeepBoth,
     "rename b notes.md -> notes.conflict-b-20260101-000000.md; "
     "copy a notes.conflict-b-20260101-000000.md; copy b notes.md; conflict notes.md winner a"},
    {ConflictPolicy::kSkip, "conflict notes.md untouched"},
    {ConflictPolicy::kManual, "conflict notes.md untouched"},
};
constexpr char kConflict[] = "CONFLICT";

struct Row {
  ChangeState a;
  ChangeState b;
  bool equal;            // where both sides changed: to the same content
  const char* expected;  // the plan under every policy, or kConflict (kConflictOutcome)
};

// Every three-way case a real run can produce: with no baseline record each side is absent or
// created; with one, unchanged, modified or deleted. (The other mixes need a record to exist
// and not exist at once; ClassifyPathCoversEveryPairOfStates covers them.)
const Row kTable[] = {
    {S::kAbsent, S::kAbsent, true, ""},
    {S::kAbsent, S::kAbsent, false, ""},
    {S::kCreated, S::kAbsent, true, "copy b notes.md"},
    {S::kCreated, S::kAbsent, false, "copy b notes.md"},
    {S::kAbsent, S::kCreated, true, "copy a notes.md"},
    {S::kAbsent, S::kCreated, false, "copy a notes.md"},
    {S::kCreated, S::kCreated, true, "equal 1"},
    {S::kCreated, S::kCreated, false, kConflict},
    {S::kUnchanged, S::kUnchanged, true, ""},
    {S::kUnchanged, S::kUnchanged, false, ""},
    {S::kUnchanged, S::kModified, true, "copy a notes.md"},
    {S::kUnchanged, S::kModified, false, "copy a notes.md"},
    {S::kUnchanged, S::kDeleted, true, "delete a notes.md"},
    {S::kUnchanged, S::kDeleted, false, "delete a notes.md"},
    {S::kModified, S::kUnchanged, true, "copy b notes.md"},
    {S::kModified, S::kUnchanged, false, "copy b notes.md"},
    {S::kModified, S::kModified, true, "equal 1"},
    {S::kModified, S::kModified, false, kConflict},
    {S::kModified, S::kDeleted, true, "copy b notes.md"},  // the modification is kept
    {S::kModified, S::kDeleted, false, "copy b notes.md"},
    {S::kDeleted, S::kUnchanged, true, "delete b notes.md"},
    {S::kDeleted, S::kUnchanged, false, "delete b notes.md"},
    {S::kDeleted, S::kModified, true, "copy a notes.md"},
    {S::kDeleted, S::kModified, false, "copy a notes.md"},
    {S::kDeleted, S::kDeleted, true, ""},
    {S::kDeleted, S::kDeleted, false, ""},
};

TEST(ReconcileTest, EveryThreeWayCaseUnderEveryPolicy) {
  for (const Row& row : kTable) {
    for (ConflictPolicy policy : kPolicies) {
      Scene scene;
      bool history = row.a == S::kUnchanged || row.a == S::kModified || row.a == S::kDeleted;
      if (history) scene.Base("notes.md", "base");
      if (row.a == S::kCreated || row.a == S::kModified) {
        scene.On(Side::kA, "notes.md", row.a, "va", 300);
      } else if (row.a == S::kDeleted) {
        scene.On(Side::kA, "notes.md", row.a);
      }
      if (row.b == S::kCreated || row.b == S::kModified) {
        scene.On(Side::kB, "notes.md", row.b, row.equal ? "va" : "vbbb", 200);
      } else if (row.b == S::kDeleted) {
        scene.On(Side::kB, "notes.md", row.b);
      }
      ReconcileOptions options;
      options.policy = policy;
      std::string want =
          row.expected == std::string(kConflict) ? kConflictOutcome.at(policy) : row.expected;
      EXPECT_EQ(Render(scene.Plan(options)), want)
          << "A " << ChangeStateName(row.a) << ", B " << ChangeStateName(row.b) << ", "
          << (row.equal ? "equal" : "different") << ", policy " << ConflictPolicyName(policy);
    }
  }
}

TEST(ReconcileTest, EveryConflictActionCarriesThePreconditionsItSaw) {
  SyncPlan plan = Scene()
                      .Base("notes.md", "base")
                      .On(Side::kA, "notes.md", S::kModified, "va", 300)
                      .On(Side::kB, "notes.md", S::kModified, "vbbb", 200)
                      .Plan();
  ASSERT_EQ(plan.actions.size(), 1u);
  const SyncAction& copy = plan.actions[0];
  EXPECT_EQ(copy.source.hash, HashBytes("va"));
  EXPECT_EQ(copy.source.mtime_ns, 300);
  EXPECT_TRUE(copy.target.present);  // B's version, kept in the backup area before it goes
  EXPECT_EQ(copy.target.hash, HashBytes("vbbb"));
  EXPECT_EQ(copy.why, "conflict (newer): a wins");
  EXPECT_EQ(plan.unresolved_conflicts(), 0u);
}

// The verdict for all 25 pairs of states, the impossible mixes included: a side with history
// against one without follows the first-sync rules (presence decides, nothing is deleted).
TEST(ReconcileTest, ClassifyPathCoversEveryPairOfStates) {
  const ChangeState states[] = {S::kAbsent, S::kUnchanged, S::kCreated, S::kModified, S::kDeleted};
  // want[a][b] for different content / same content (only matters when both are present).
  const char* want[5][5] = {
      // B: absent      unchanged      created        modified       deleted
      {"nothing", "copy b>a", "copy b>a", "copy b>a", "nothing"},         // A absent
      {"copy a>b", "nothing", "conflict|equal", "copy b>a", "delete a"},  // A unchanged
      {"copy a>b", "conflict|equal", "conflict|equal", "conflict|equal", "copy a>b"},  // created
      {"copy a>b", "copy a>b", "conflict|equal", "conflict|equal", "copy a>b"},        // modified
      {"nothing", "delete b", "copy b>a", "copy b>a", "nothing"},                      // A deleted
  };
  auto name = [](Verdict v) -> std::string {
    switch (v) {
      case Verdict::kNothing:
        return "nothing";
      case Verdict::kEqual:
        return "equal";
      case Verdict::kCopyAToB:
        return "copy a>b";
      case Verdict::kCopyBToA:
        return "copy b>a";
      case Verdict::kDeleteOnA:
        return "delete a";
      case Verdict::kDeleteOnB:
        return "delete b";
      case Verdict::kConflict:
        return "conflict";
    }
    return "?";
  };
  for (int i = 0; i < 5; ++i) {
    for (int j = 0; j < 5; ++j) {
      std::string expected = want[i][j];
      std::string different = expected.substr(0, expected.find('|'));
      std::string same = expected.find('|') == std::string::npos
                             ? expected
                             : expected.substr(expected.find('|') + 1);
      EXPECT_EQ(name(ClassifyPath(states[i], states[j], false)), different)
          << ChangeStateName(states[i]) << " x " << ChangeStateName(states[j]);
      EXPECT_EQ(name(ClassifyPath(states[i], states[j], true)), same)
          << ChangeStateName(states[i]) << " x " << ChangeStateName(states[j]);
    }
  }
}

Expectation Version(const std::string& content, int64_t mtime_ns) {
  Expectation e;
  e.present = true;
  e.size = content.size();
  e.hash = HashBytes(content);
  e.mtime_ns = mtime_ns;
  return e;
}

TEST(ReconcileTest, NewerBreaksTiesBySizeThenHashTheSameWhicheverSideIsA) {
  Expectation small = Version("x", 500);
  Expectation big = Version("xyz", 500);
  EXPECT_EQ(PickWinner(ConflictPolicy::kNewer, small, big), Side::kB);
  EXPECT_EQ(PickWinner(ConflictPolicy::kNewer, big, small), Side::kA);
  Expectation p = Version("p", 500);
  Expectation q = Version("q", 500);
  bool p_hash_larger = HashBytes("p") > HashBytes("q");
  // Same mtime and size: the larger hash wins, so the same bytes survive if A and B swap.
  EXPECT_EQ(PickWinner(ConflictPolicy::kNewer, p, q), p_hash_larger ? Side::kA : Side::kB);
  EXPECT_EQ(PickWinner(ConflictPolicy::kNewer, q, p), p_hash_larger ? Side::kB : Side::kA);
  EXPECT_EQ(PickWinner(ConflictPolicy::kOlder, Version("a", 1), Version("b", 2)), Side::kA);
  EXPECT_EQ(PickWinner(ConflictPolicy::kLarger, Version("aa", 1), Version("b", 2)), Side::kA);
  EXPECT_EQ(PickWinner(ConflictPolicy::kLarger, Version("a", 1), Version("b", 2)), Side::kB);
  EXPECT_EQ(PickWinner(ConflictPolicy::kSkip, p, q), std::nullopt);
}

TEST(ReconcileTest, OneWayNeverChangesTheSourceAndDeletesOnlyOrphansWhenAsked) {
  auto scene = [] {
    Scene s;
    s.Base("changed-on-b", "1").On(Side::kB, "changed-on-b", S::kModified, "2", 5);
    s.Base("deleted-on-a", "1").On(Side::kA, "deleted-on-a", S::kDeleted);
    s.On(Side::kB, "only-on-b", S::kCreated, "x", 5);
    s.On(Side::kA, "only-on-a", S::kCreated, "y", 5);
    return s;
  };
  ReconcileOptions a_to_b;
  a_to_b.direction = Direction::kAToB;
  EXPECT_EQ(Render(scene().Plan(a_to_b)),
            "copy b only-on-a; skip changed-on-b; skip deleted-on-a; skip only-on-b");
  a_to_b.delete_orphans = true;
  EXPECT_EQ(Render(scene().Plan(a_to_b)),
            "delete b deleted-on-a; delete b only-on-b; copy b only-on-a; skip changed-on-b");
  ReconcileOptions b_to_a;
  b_to_a.direction = Direction::kBToA;
  EXPECT_EQ(Render(scene().Plan(b_to_a)),
            "copy a changed-on-b; copy a only-on-b; skip deleted-on-a; skip only-on-a");
}

TEST(ReconcileTest, OneWayConflictsLetTheTargetWinOnlyByStaying) {
  auto scene = [] {
    Scene s;
    s.Base("f.txt", "base")
        .On(Side::kA, "f.txt", S::kModified, "va", 300)
        .On(Side::kB, "f.txt", S::kModified, "vbbb", 200);
    return s;
  };
  ReconcileOptions opts;
  opts.direction = Direction::kAToB;
  opts.policy = ConflictPolicy::kB;
  SyncPlan plan = scene().Plan(opts);
  EXPECT_EQ(Render(plan), "conflict f.txt winner b");
  EXPECT_EQ(plan.conflicts[0].note, "b's version stays; direction a-to-b does not change a");
  opts.policy = ConflictPolicy::kKeepBoth;  // B's version kept aside on B, nothing sent to A
  EXPECT_EQ(Render(scene().Plan(opts)),
            "rename b f.txt -> f.conflict-b-20260101-000000.txt; copy b f.txt; "
            "conflict f.txt winner a");
}

TEST(ReconcileTest, ADirectoryAgainstAFileIsNeverResolvedAutomatically) {
  SyncPlan plan = Scene()
                      .On(Side::kA, "x", S::kCreated, "", 5, EntryKind::kDir)
                      .On(Side::kB, "x", S::kCreated, "file", 5)
                      .Plan();
  EXPECT_EQ(Render(plan), "conflict x untouched");
  EXPECT_EQ(plan.conflicts[0].note,
            "a directory against a file or link is never resolved automatically");
}

TEST(ReconcileTest, DirectoriesAreMadeBeforeTheirFilesAndRemovedAfterThem) {
  SyncPlan plan = Scene()
                      .Base("old", "", EntryKind::kDir)
                      .Base("old/deep", "", EntryKind::kDir)
                      .Base("old/deep/f", "1")
                      .On(Side::kA, "old", S::kDeleted)
                      .On(Side::kA, "old/deep", S::kDeleted)
                      .On(Side::kA, "old/deep/f", S::kDeleted)
                      .On(Side::kA, "new", S::kCreated, "", 5, EntryKind::kDir)
                      .On(Side::kA, "new/sub", S::kCreated, "", 5, EntryKind::kDir)
                      .On(Side::kA, "new/sub/g", S::kCreated, "g", 5)
                      .Plan();
  EXPECT_EQ(Render(plan),
            "delete b old/deep/f; rmdir b old/deep; rmdir b old; mkdir b new; mkdir b new/sub; "
            "copy b new/sub/g");
}

TEST(ReconcileTest, ADeletedDirectoryStaysWhereSomethingNewIsInsideIt) {
  SyncPlan plan = Scene()
                      .Base("d", "", EntryKind::kDir)
                      .Base("d/f", "1")
                      .Base("d-x", "", EntryKind::kDir)  // sorts between "d" and "d/..."
                      .On(Side::kA, "d-x", S::kDeleted)
                      .On(Side::kA, "d", S::kDeleted)
                      .On(Side::kA, "d/f", S::kDeleted)
                      .On(Side::kB, "d/g", S::kCreated, "new on b", 5)
                      .Plan();
  EXPECT_EQ(Render(plan), "delete b d/f; rmdir b d-x; mkdir a d; copy a d/g");
}

TEST(ReconcileTest, ARenameOnOneSideBecomesARenameOnTheOther) {
  SyncPlan plan = Scene()
                      .Base("docs/a.md", "same bytes")
                      .Base("keep.md", "k")
                      .On(Side::kA, "docs/a.md", S::kDeleted)
                      .On(Side::kA, "moved/a.md", S::kCreated, "same bytes", 7)
                      .Plan();
  EXPECT_EQ(Render(plan), "delete b docs/a.md; copy b moved/a.md");
  EXPECT_EQ(DetectRenames(&plan), 1u);
  EXPECT_EQ(Render(plan), "rename b docs/a.md -> moved/a.md");
  EXPECT_EQ(plan.actions[0].why, "renamed on a (docs/a.md -> moved/a.md)");
  EXPECT_EQ(CountDeletions(plan, Side::kB), 0u);
}

TEST(ReconcileTest, NoRenameWhenTheOtherSideChangedTheFile) {
  SyncPlan plan = Scene()
                      .Base("a.md", "v1")
                      .On(Side::kA, "a.md", S::kDeleted)
                      .On(Side::kA, "b.md", S::kCreated, "v1", 7)
                      .On(Side::kB, "a.md", S::kModified, "v2", 8)
                      .Plan();
  EXPECT_EQ(DetectRenames(&plan), 0u);
  EXPECT_EQ(Render(plan), "copy a a.md; copy b b.md");  // the modification is kept
}

TEST(ReconcileTest, MovingADirectoryDoesNotTripTheDeleteLimit) {
  Scene scene;
  for (int i = 0; i < 10; ++i) {
    std::string name = "f" + std::to_string(i);
    scene.Base("old/" + name, "content " + name)
        .On(Side::kA, "old/" + name, S::kDeleted)
        .On(Side::kA, "new/" + name, S::kCreated, "content " + name, 9);
  }
  SyncPlan plan = scene.Plan();
  EXPECT_EQ(CheckDeleteLimit(plan, scene.baseline(), DeleteLimit{}).code(), StatusCode::kRefused);
  EXPECT_EQ(DetectRenames(&plan), 10u);
  EXPECT_TRUE(CheckDeleteLimit(plan, scene.baseline(), DeleteLimit{}).ok());
}

TEST(SafetyChecksTest, DeleteLimitCountsFilesPerSide) {
  Scene scene;
  for (std::string f : {"a", "b", "c", "d"}) scene.Base(f, f);
  scene.On(Side::kA, "a", S::kDeleted).On(Side::kA, "b", S::kDeleted);
  SyncPlan two = scene.Plan();
  EXPECT_TRUE(CheckDeleteLimit(two, scene.baseline(), DeleteLimit{50, true}).ok());
  EXPECT_EQ(CheckDeleteLimit(two, scene.baseline(), DeleteLimit{1, false}).message(),
            "sync would delete 2 of 4 files on b (local:/b), more than --max-delete 1; check both "
            "replicas, then raise --max-delete or pass --force");

  Scene three;
  for (std::string f : {"a", "b", "c", "d"}) three.Base(f, f);
  three.On(Side::kB, "a", S::kDeleted)
      .On(Side::kB, "b", S::kDeleted)
      .On(Side::kB, "c", S::kDeleted);
  Status s = CheckDeleteLimit(three.Plan(), three.baseline(), DeleteLimit{});
  EXPECT_EQ(s.code(), StatusCode::kRefused);
  EXPECT_EQ(s.message(),
            "sync would delete 3 of 4 files on a (local:/a), more than --max-delete 50%; check "
            "both replicas, then raise --max-delete or pass --force");
}

TEST(SafetyChecksTest, ParsesDeleteLimits) {
  EXPECT_EQ(ParseDeleteLimit("25%")->value, 25u);
  EXPECT_TRUE(ParseDeleteLimit("25%")->percent);
  EXPECT_FALSE(ParseDeleteLimit("1000")->percent);
  for (std::string bad : {"", "%", "-1", "101%", "1.5", "ten"}) {
    EXPECT_EQ(ParseDeleteLimit(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(ParseDeleteLimit("x%").status().message(),
            "--max-delete 'x%' is not a number of files (50) or a percentage (50%)");
}

TEST(SafetyChecksTest, AnEmptyOrMissingRootIsNotReadAsEverythingDeleted) {
  Scene scene;
  scene.Base("a", "a");
  scene.Plan();
  const Baseline& b = scene.baseline();
  EXPECT_TRUE(CheckRootsPresent(RootState::kPopulated, RootState::kPopulated, b).ok());
  EXPECT_EQ(CheckRootsPresent(RootState::kPopulated, RootState::kEmpty, b).message(),
            "replica b (local:/b) is empty while the last sync recorded 1 entries; is it "
            "mounted? Pass --force to empty the other side");
  EXPECT_EQ(CheckRootsPresent(RootState::kMissing, RootState::kPopulated, b).message(),
            "replica a (local:/a) does not exist; mount or create it, or pass --force");
  EXPECT_TRUE(CheckRootsPresent(RootState::kEmpty, RootState::kPopulated, Baseline()).ok());
}

TEST(PlanTest, ConflictCopyNamesKeepTheExtension) {
  EXPECT_EQ(ConflictCopyPath("dir/notes.md", Side::kB, kStart),
            "dir/notes.conflict-b-20260101-000000.md");
  EXPECT_EQ(ConflictCopyPath(".bashrc", Side::kA, kStart + 3723000000000),
            ".bashrc.conflict-a-20260101-010203");
  EXPECT_EQ(ConflictCopyPath("a.tar.gz", Side::kA, kStart), "a.tar.conflict-a-20260101-000000.gz");
  EXPECT_EQ(ConflictCopyPath("x/noext", Side::kA, kStart), "x/noext.conflict-a-20260101-000000");
  EXPECT_EQ(BackupPathFor("d/f", kStart), ".ferry-trash/20260101-000000/d/f");
}

TEST(PlanTest, ParsesDirectionsAndPolicies) {
  EXPECT_EQ(ParseDirection("a-to-b").value(), Direction::kAToB);
  EXPECT_EQ(ParseConflictPolicy("keep-both").value(), ConflictPolicy::kKeepBoth);
  EXPECT_EQ(ParseConflictPolicy("space_wins").status().message(),
            "unknown conflict policy 'space_wins'; use newer, a, b, older, larger, keep-both, "
            "skip or manual");
  EXPECT_EQ(ParseDirection("up").status().message(),
            "unknown sync direction 'up'; use both, a-to-b or b-to-a");
}

}  // namespace
}  // namespace ferry::sync
