#include "sync/plan_file.h"

#include <gtest/gtest.h>

namespace ferry::sync {
namespace {

Expectation File(const std::string& content, int64_t mtime_ns) {
  Expectation e;
  e.present = true;
  e.size = content.size();
  e.hash = HashBytes(content);
  e.mtime_ns = mtime_ns;
  e.inode = 9;
  e.mode = 0640;
  return e;
}

PlanFile Sample() {
  PlanFile f;
  f.id_a = "local:/a";
  f.id_b = "local:/b";
  f.started_at_ns = 1767225600000000000;
  SyncAction copy;
  copy.op = ActionOp::kCopy;
  copy.side = Side::kB;
  copy.path = "notes/x.md";
  copy.source = File("new", 5);
  copy.target = File("old", 3);
  copy.why = "modified on a";
  SyncAction rename;
  rename.op = ActionOp::kRename;
  rename.side = Side::kA;
  rename.path = "p";
  rename.to_path = "q";
  rename.source = File("same", 1);
  SyncAction mkdir;
  mkdir.op = ActionOp::kMakeDir;
  mkdir.side = Side::kA;
  mkdir.path = "d";
  mkdir.source.present = true;
  mkdir.source.kind = EntryKind::kDir;
  mkdir.source.mode = 0755;
  f.plan.actions = {rename, mkdir, copy};
  Conflict c;
  c.path = "c.md";
  c.a = File("a", 1);
  c.b = File("b", 2);
  c.policy = ConflictPolicy::kManual;
  c.note = "left untouched (policy manual)";
  f.plan.conflicts = {c};
  f.plan.skipped = {{"s", "direction a-to-b"}};
  f.plan.equal = 1;
  return f;
}

TEST(PlanFileTest, RoundTripsEveryFieldAndPrecondition) {
  PlanFile f = Sample();
  std::string text = PlanFileToJson(f).dump(2);
  Result<PlanFile> back = ParsePlanFile(text, "plan.json");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(PlanFileToJson(*back).dump(2), text);
  EXPECT_EQ(back->plan.actions[2].target.hash, HashBytes("old"));
  EXPECT_EQ(back->plan.actions[0].to_path, "q");
  EXPECT_FALSE(back->plan.conflicts[0].winner.has_value());
}

// Plans written before the count listed the equal paths; they still load, counted.
TEST(PlanFileTest, AnOldPlanListingItsEqualPathsCountsThem) {
  nlohmann::ordered_json j = PlanFileToJson(Sample());
  j["equal"] = {"e.md", "f.md"};
  Result<PlanFile> back = ParsePlanFile(j.dump(), "old.json");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->plan.equal, 2u);
  EXPECT_EQ(PlanFileToJson(Sample())["equal"], 1);
}

TEST(PlanFileTest, DocumentedShapeOfACopy) {
  nlohmann::ordered_json j = PlanFileToJson(Sample());
  EXPECT_EQ(j["format"], "ferry-sync-plan");
  EXPECT_EQ(j["replicas"]["b"], "local:/b");
  EXPECT_EQ(j["actions"][2].dump(),
            R"({"op":"copy","side":"b","path":"notes/x.md","source":{"kind":"file","size":3,)"
            R"("mtime_ns":5,"inode":9,"mode":416,"hash":")" +
                ContentHashHex(HashBytes("new")) +
                R"("},"target":{"kind":"file","size":3,"mtime_ns":3,"inode":9,"mode":416,)"
                R"("hash":")" +
                ContentHashHex(HashBytes("old")) + R"("},"why":"modified on a"})");
}

TEST(PlanFileTest, APathLeavingTheReplicaIsRefused) {
  nlohmann::ordered_json j = PlanFileToJson(Sample());
  j["actions"][2]["path"] = "../../etc/passwd";
  Result<PlanFile> r = ParsePlanFile(j.dump(), "evil.json");
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "sync plan evil.json: path '../../etc/passwd' leaves the replica; make a new one "
            "with ferry sync --dry-run --plan-out");
  EXPECT_EQ(ParsePlanFile("{}", "x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParsePlanFile("not json", "x").status().code(), StatusCode::kInvalidArgument);
}

TEST(PlanFileTest, TextForDryRun) {
  EXPECT_EQ(FormatPlanText(Sample().plan),
            "rename on a p -> q\n"
            "mkdir on a d\n"
            "copy a -> b notes/x.md (modified on a)\n"
            "conflict c.md: left untouched (policy manual)\n"
            "skip s: direction a-to-b\n"
            "3 actions, 1 unresolved conflicts, 1 skipped\n");
}

}  // namespace
}  // namespace ferry::sync
