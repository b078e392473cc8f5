#include "sync/new_baseline.h"

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/mem_env.h"

namespace ferry::sync {
namespace {

BaselineRecord FileRecord(std::string_view content) {
  BaselineRecord r;
  r.hash = HashBytes(content);
  r.size = content.size();
  r.a = {100, 1, 0644};
  r.b = {100, 2, 0644};
  return r;
}

Observed Seen(ChangeState state, std::string_view content) {
  Observed o;
  o.state = state;
  if (state != ChangeState::kDeleted) {
    o.hash = HashBytes(content);
    o.size = content.size();
    o.mtime_ns = 200;
  }
  return o;
}

std::string Describe(const Baseline& b) {
  std::string out;
  for (const BaselineRecord& r : b.records()) {
    out += std::string(b.path(r)) + "=" + ContentHashHex(r.hash).substr(0, 4) + " ";
  }
  return out;
}

TEST(NewBaselineTest, MergesTheOldRecordsTheChangesAndWhatLanded) {
  Baseline old("local:/a", "local:/b");
  ASSERT_TRUE(old.SetRecords({{"keep", FileRecord("k")},
                              {"gone", FileRecord("g")},
                              {"edit", FileRecord("e1")},
                              {"fight", FileRecord("f1")}})
                  .ok());
  Observations a, b;
  ASSERT_TRUE(a.Add("both", Seen(ChangeState::kCreated, "same")).ok());
  ASSERT_TRUE(a.Add("edit", Seen(ChangeState::kModified, "e2")).ok());
  ASSERT_TRUE(a.Add("fight", Seen(ChangeState::kModified, "fa")).ok());
  ASSERT_TRUE(a.Add("gone", Seen(ChangeState::kDeleted, "")).ok());
  ASSERT_TRUE(b.Add("both", Seen(ChangeState::kCreated, "same")).ok());
  ASSERT_TRUE(b.Add("fight", Seen(ChangeState::kModified, "fb")).ok());
  LandedVersions landed;
  landed.side(Side::kB)["edit"] = Seen(ChangeState::kModified, "e2");  // copied a -> b
  landed.side(Side::kB)["gone"] = std::nullopt;                        // deleted on b
  Baseline next = NewBaseline(old, a, b, landed).value();
  // both: equal on both sides; edit: copied; fight: a conflict left alone keeps its record;
  // gone: deleted on both; keep: untouched.
  EXPECT_EQ(Describe(next), "both=" + ContentHashHex(HashBytes("same")).substr(0, 4) +
                                " edit=" + ContentHashHex(HashBytes("e2")).substr(0, 4) +
                                " fight=" + ContentHashHex(HashBytes("f1")).substr(0, 4) +
                                " keep=" + ContentHashHex(HashBytes("k")).substr(0, 4) + " ");
  EXPECT_EQ(next.Find("both")->a.mtime_ns, 200);
}

TEST(NewBaselineTest, UnsortedObservationsAreAnInternalErrorNotADroppedRecord) {
  Baseline old("a", "b");
  Observations a, b;
  for (Observations* o : {&a, &b}) {
    ASSERT_TRUE(o->Add("y", Seen(ChangeState::kCreated, "1")).ok());
    ASSERT_TRUE(o->Add("x", Seen(ChangeState::kCreated, "1")).ok());
  }
  Result<Baseline> next = NewBaseline(old, a, b, LandedVersions{});
  EXPECT_EQ(next.status().code(), StatusCode::kInternal);
}

// SaveBaseline counts the records, then writes them: a source that changes its mind between
// the two runs is a bug, and the old file stays.
TEST(NewBaselineTest, ASourceThatGivesAnotherCountLeavesTheOldFile) {
  MemEnv env;
  ASSERT_TRUE(CreateDirs(&env, "/s").ok());
  Baseline old("a", "b");
  ASSERT_TRUE(old.SetRecords({{"x", FileRecord("1")}}).ok());
  ASSERT_TRUE(SaveBaseline(&env, "/s/p.baseline", old).ok());
  int runs = 0;
  Status s = SaveBaseline(&env, "/s/p.baseline", "a", "b", [&](const BaselineRecordVisitor& visit) {
    ++runs;
    for (int i = 0; i < runs; ++i) {
      FERRY_RETURN_IF_ERROR(visit("p" + std::to_string(i), FileRecord("1")));
    }
    return Status::OK();
  });
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  Baseline back = LoadBaseline(&env, "/s/p.baseline").value().value();
  EXPECT_EQ(Describe(back), Describe(old));
  std::vector<std::string> names;
  std::vector<DirEntry> entries = env.ListDir("/s").value();
  for (const DirEntry& e : entries) names.push_back(e.name);
  EXPECT_EQ(names, std::vector<std::string>{"p.baseline"});  // no temp left behind
}

}  // namespace
}  // namespace ferry::sync
