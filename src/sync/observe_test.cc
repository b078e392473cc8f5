#include "sync/observe.h"

#include <gtest/gtest.h>

#include <map>

#include "base/file_util.h"
#include "base/mem_env.h"
#include "base/path.h"
#include "sync/local_replica.h"

namespace ferry::sync {
namespace {

class ObserveTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(CreateDirs(&env_, "/r").ok()); }
  void Put(const std::string& rel, const std::string& bytes) {
    ASSERT_TRUE(CreateDirs(&env_, DirName("/r/" + rel)).ok());
    ASSERT_TRUE(WriteFileAtomically(&env_, "/r/" + rel, bytes).ok());
  }
  // A baseline recording the replica exactly as it is now, on side A.
  Baseline RecordNow() {
    std::vector<std::pair<std::string, BaselineRecord>> records;
    Status s = replica_.List([&](ReplicaEntry e) {
      BaselineRecord r;
      r.kind = e.kind;
      r.size = e.size;
      r.hash = HashEntry(&replica_, e).value();
      r.a = {e.mtime_ns, e.inode, e.mode};
      records.emplace_back(e.path, r);
      return Status::OK();
    });
    EXPECT_TRUE(s.ok());
    Baseline b("local:/r", "local:/other");
    EXPECT_TRUE(b.SetRecords(std::move(records)).ok());
    return b;
  }
  // path -> "state" for every reported change.
  std::map<std::string, std::string> States(const Observations& obs) {
    std::map<std::string, std::string> out;
    for (const Observed& o : obs.changes) {
      out[std::string(obs.path(o))] = std::string(ChangeStateName(o.state));
    }
    return out;
  }

  MemEnv env_;
  LocalReplica replica_{&env_, "/r"};
};

TEST_F(ObserveTest, FirstSyncReportsEverythingCreatedWithItsHash) {
  Put("a.txt", "alpha");
  Put("d/b.txt", "beta");
  ASSERT_TRUE(env_.Symlink("a.txt", "/r/l").ok());
  Observations obs = ObserveReplica(&replica_, Baseline(), Side::kA, 2).value();
  std::map<std::string, std::string> want = {
      {"a.txt", "created"}, {"d", "created"}, {"d/b.txt", "created"}, {"l", "created"}};
  EXPECT_EQ(States(obs), want);
  EXPECT_EQ(obs.root_state, RootState::kPopulated);
  EXPECT_EQ(obs.changes[0].hash, HashBytes("alpha"));
  EXPECT_EQ(obs.changes[3].hash, HashBytes("a.txt"));  // a link's hash is its target's text
  EXPECT_EQ(obs.changes[3].kind, EntryKind::kSymlink);
}

TEST_F(ObserveTest, AnUnchangedTreeReportsNothingAndReadsNothing) {
  Put("a.txt", "alpha");
  Put("d/b.txt", "beta");
  Baseline b = RecordNow();
  Observations obs = ObserveReplica(&replica_, b, Side::kA, 2).value();
  EXPECT_TRUE(obs.changes.empty());
  EXPECT_EQ(obs.listed, 3u);
  EXPECT_EQ(obs.hashed, 0u);
}

TEST_F(ObserveTest, ClassifiesModifiedDeletedCreatedAndTouched) {
  Put("same.txt", "s");
  Put("touched.txt", "t");
  Put("modified.txt", "m1");
  Put("deleted.txt", "d");
  Put("kind", "was a file");
  Baseline b = RecordNow();
  env_.AdvanceClock(1000000000);
  ASSERT_TRUE(env_.SetModificationTime("/r/touched.txt", env_.NowUnixNanos()).ok());
  Put("modified.txt", "m2");
  ASSERT_TRUE(env_.RemoveFile("/r/deleted.txt").ok());
  ASSERT_TRUE(env_.RemoveFile("/r/kind").ok());
  ASSERT_TRUE(env_.CreateDir("/r/kind").ok());
  Put("new.txt", "n");
  Observations obs = ObserveReplica(&replica_, b, Side::kA, 1).value();
  std::map<std::string, std::string> want = {{"deleted.txt", "deleted"},
                                             {"kind", "modified"},
                                             {"modified.txt", "modified"},
                                             {"new.txt", "created"},
                                             {"touched.txt", "unchanged"}};
  EXPECT_EQ(States(obs), want);
  EXPECT_EQ(obs.hashed, 4u);  // touched, modified, kind, new: never same.txt
  std::map<std::string, const Observed*> by_path;
  for (const Observed& o : obs.changes) by_path[std::string(obs.path(o))] = &o;
  EXPECT_EQ(by_path["deleted.txt"]->hash, HashBytes("d"));           // what was there
  EXPECT_EQ(by_path["touched.txt"]->mtime_ns, env_.NowUnixNanos());  // its new stamp
  EXPECT_EQ(by_path["modified.txt"]->hash, HashBytes("m2"));
  EXPECT_EQ(by_path["kind"]->kind, EntryKind::kDir);
}

TEST_F(ObserveTest, AMissingRootReadsAsEverythingDeletedAndSaysSo) {
  Put("a", "x");
  Baseline b = RecordNow();
  LocalReplica gone(&env_, "/unmounted");
  Observations obs = ObserveReplica(&gone, b, Side::kA, 1).value();
  EXPECT_EQ(obs.root_state, RootState::kMissing);
  std::map<std::string, std::string> want = {{"a", "deleted"}};
  EXPECT_EQ(States(obs), want);
}

TEST_F(ObserveTest, UsesTheStampOfItsOwnSide) {
  Put("f", "x");
  Baseline b = RecordNow();  // side A's stamp only; side B's is zero
  Observations as_b = ObserveReplica(&replica_, b, Side::kB, 1).value();
  ASSERT_EQ(as_b.changes.size(), 1u);
  EXPECT_EQ(as_b.changes[0].state, ChangeState::kUnchanged);  // re-hashed, same content
  EXPECT_EQ(as_b.hashed, 1u);
}

}  // namespace
}  // namespace ferry::sync

namespace ferry::sync {
namespace {

TEST(ObservedTest, StaysSixtyFourBytesAndRefusesAModeWiderThan16Bits) {
  // docs/SYNC.md "Performance": a first sync holds one per file per side.
  EXPECT_EQ(sizeof(Observed), 64u);
  EXPECT_TRUE(CheckModeFits("f", 0170777).ok());  // every st_mode fits
  EXPECT_EQ(CheckModeFits("d/f", 0200000).message(),
            "sync: d/f has mode 200000, wider than any file mode (16 bits); fix it on its "
            "replica");
}

}  // namespace
}  // namespace ferry::sync
