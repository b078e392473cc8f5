// `ferry sync` end to end: the real binary (env FERRY_BINARY) on two temp directories, with a
// temp state dir. Exit codes, stdout/stderr lines, --json, --events and the trees on disk.
//
// Modifications change a file's size: two writes within one coarse kernel tick can share an
// mtime, and a same-size rewrite in place keeps the inode, so only the size is sure to move
// the stamp ferry compares (docs/SYNC.md "Change detection").
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/dir_tree.h"
#include "support/ferry_binary.h"
#include "support/file_contents.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace ferry {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::DirTree;
using testing::ReadFile;
using testing::TreeMap;
using testing::WriteFile;

std::vector<nlohmann::json> JsonLines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

class SyncCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::FerryBinaryIsSet());
    a_ = tmp_.Join("a");
    b_ = tmp_.Join("b");
    fs::create_directories(a_);
    fs::create_directories(b_);
  }
  CommandResult Sync(std::vector<std::string> args) {
    std::vector<std::string> argv = {testing::FerryBinary(), "sync"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--state-dir");
    argv.push_back(tmp_.Join("state"));
    testing::RunOptions options;
    options.cwd = tmp_.path();
    options.timeout = std::chrono::seconds(30);
    return testing::RunCommand(argv, options);
  }
  CommandResult SyncAB(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {a_, b_};
    args.insert(args.end(), extra.begin(), extra.end());
    return Sync(args);
  }
  void SyncOk(std::vector<std::string> extra = {}) {
    CommandResult r = SyncAB(extra);
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  }
  nlohmann::json SyncJson(std::vector<std::string> extra, int want_exit) {
    extra.push_back("--json");
    CommandResult r = SyncAB(extra);
    EXPECT_EQ(r.exit_code, want_exit) << r.err << r.out;
    return nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  }

  testing::TempDir tmp_;
  std::string a_;
  std::string b_;
};

TEST_F(SyncCliTest, RoundTripBothWays) {
  WriteFile(a_ + "/x.md", "from a");
  WriteFile(b_ + "/d/y.md", "from b");
  CommandResult first = SyncAB();
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out.rfind("created 3, updated 0, deleted 0, renamed 0, skipped 0, failed 0, "
                            "conflicts 0 (0 unresolved) in ",
                            0),
            0u)
      << first.out;
  TreeMap want = {{"d", "d"}, {"d/y.md", "f:from b"}, {"x.md", "f:from a"}};
  EXPECT_EQ(DirTree(a_), want);
  EXPECT_EQ(DirTree(b_), want);

  WriteFile(b_ + "/x.md", "edited on b");
  fs::remove(a_ + "/d/y.md");
  SyncOk();
  want = {{"d", "d"}, {"x.md", "f:edited on b"}};
  EXPECT_EQ(DirTree(a_), want);
  EXPECT_EQ(DirTree(b_), want);
  // Nothing lost: a's old x.md and b's y.md wait in the backup areas.
  EXPECT_EQ(DirTree(a_ + "/.ferry-trash").size(), 2u);  // <time>/x.md
  EXPECT_EQ(DirTree(b_ + "/.ferry-trash").size(), 3u);  // <time>/d/y.md
}

TEST_F(SyncCliTest, DryRunChangesNothingAndItsPlanIsWhatTheRunDoes) {
  WriteFile(a_ + "/keep.md", "k");
  WriteFile(a_ + "/old.md", "o");
  WriteFile(a_ + "/mv.md", "moved content");
  SyncOk();
  WriteFile(a_ + "/keep.md", "k2");
  fs::remove(b_ + "/old.md");
  fs::rename(b_ + "/mv.md", b_ + "/moved.md");
  WriteFile(b_ + "/new/n.md", "n");
  TreeMap a_before = DirTree(a_, {}), b_before = DirTree(b_, {});

  nlohmann::json dry = SyncJson({"--dry-run"}, 0);
  EXPECT_EQ(DirTree(a_, {}), a_before);
  EXPECT_EQ(DirTree(b_, {}), b_before);
  ASSERT_TRUE(dry.contains("plan")) << dry.dump();
  std::vector<std::string> planned;
  for (const auto& act : dry["plan"]["actions"]) {
    planned.push_back(act["op"].get<std::string>() + " " + act["side"].get<std::string>() + " " +
                      act["path"].get<std::string>());
  }
  EXPECT_EQ(planned, (std::vector<std::string>{"rename a mv.md", "delete a old.md", "mkdir a new",
                                               "copy b keep.md", "copy a new/n.md"}));

  std::string events = tmp_.Join("events.jsonl");
  SyncOk({"--events", events});
  std::vector<std::string> done;
  for (const nlohmann::json& e : JsonLines(ReadFile(events))) {
    if (e["event"] != "action") continue;
    EXPECT_EQ(e["result"], "done") << e.dump();
    done.push_back(e["op"].get<std::string>() + " " + e["side"].get<std::string>() + " " +
                   e["path"].get<std::string>());
  }
  EXPECT_EQ(done, planned);
  EXPECT_EQ(DirTree(a_), DirTree(b_));
}

TEST_F(SyncCliTest, DryRunPrintsOneLinePerActionConflictAndSkip) {
  WriteFile(a_ + "/c.md", "a's");
  WriteFile(b_ + "/c.md", "b's version");
  WriteFile(a_ + "/n.md", "n");
  CommandResult r = SyncAB({"--dry-run", "--conflict", "manual"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_EQ(r.out.substr(0, r.out.find("dry run")),
            "copy a -> b n.md (created on a)\n"
            "conflict c.md: left untouched (policy manual)\n"
            "1 actions, 1 unresolved conflicts, 0 skipped\n")
      << r.out;
  EXPECT_FALSE(fs::exists(b_ + "/n.md"));
}

TEST_F(SyncCliTest, PlanOutThenApplyDoesThePlanAndTheNextSyncIsANoOp) {
  WriteFile(a_ + "/x.md", "x");
  WriteFile(b_ + "/y.md", "y");
  std::string plan = tmp_.Join("plan.json");
  CommandResult dry = SyncAB({"--dry-run", "--plan-out", plan});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_FALSE(fs::exists(b_ + "/x.md"));

  CommandResult applied = Sync({"apply", plan});
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  TreeMap want = {{"x.md", "f:x"}, {"y.md", "f:y"}};
  EXPECT_EQ(DirTree(a_), want);
  EXPECT_EQ(DirTree(b_), want);

  nlohmann::json next = SyncJson({}, 0);
  EXPECT_EQ(next["created"], 0) << next.dump();
  EXPECT_EQ(next["updated"], 0);
  EXPECT_EQ(next["conflicts"], 0);
}

TEST_F(SyncCliTest, ApplyRefusesAnActionWhosePathChangedSinceThePlan) {
  WriteFile(a_ + "/x.md", "v1");
  SyncOk();
  WriteFile(a_ + "/x.md", "version 2");
  std::string plan = tmp_.Join("plan.json");
  ASSERT_EQ(SyncAB({"--dry-run", "--plan-out", plan}).exit_code, 0);
  WriteFile(b_ + "/x.md", "b edited after the plan");

  CommandResult applied = Sync({"apply", plan});
  EXPECT_EQ(applied.exit_code, 1);
  EXPECT_NE(applied.err.find(
                "ferry: failed x.md: copy x.md: b's x.md changed during the sync; skipped\n"),
            std::string::npos)
      << applied.err;
  EXPECT_EQ(ReadFile(b_ + "/x.md"), "b edited after the plan");
}

TEST_F(SyncCliTest, ManualConflictsExit4AndTouchNeitherSide) {
  WriteFile(a_ + "/c.md", "base");
  SyncOk();
  WriteFile(a_ + "/c.md", "a changed it");
  WriteFile(b_ + "/c.md", "b changed it too");
  CommandResult r = SyncAB({"--conflict", "manual"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.out.find("conflict c.md: left untouched (policy manual)\n"), std::string::npos)
      << r.out;
  EXPECT_EQ(ReadFile(a_ + "/c.md"), "a changed it");
  EXPECT_EQ(ReadFile(b_ + "/c.md"), "b changed it too");
}

TEST_F(SyncCliTest, TooManyDeletionsExit5AndDeleteNothing) {
  for (const char* name : {"1", "2", "3", "4"}) WriteFile(a_ + "/" + name, name);
  SyncOk();
  for (const char* name : {"1", "2", "3"}) fs::remove(a_ + "/" + name);
  CommandResult r = SyncAB();
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_EQ(r.err, "ferry: sync would delete 3 of 4 files on b (local:" + b_ +
                       "), more than --max-delete 50%; check both replicas, then raise "
                       "--max-delete or pass --force\n");
  EXPECT_EQ(DirTree(b_).size(), 4u);
  EXPECT_EQ(SyncAB({"--max-delete", "3"}).exit_code, 0);
  EXPECT_EQ(DirTree(b_), (TreeMap{{"4", "f:4"}}));
}

TEST_F(SyncCliTest, AnEmptiedRootExits5) {
  WriteFile(a_ + "/x", "x");
  SyncOk();
  fs::remove(a_ + "/x");
  CommandResult r = SyncAB();
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_EQ(r.err, "ferry: replica a (local:" + a_ +
                       ") is empty while the last sync recorded 1 entries; is it mounted? Pass "
                       "--force to empty the other side\n");
  EXPECT_EQ(ReadFile(b_ + "/x"), "x");
}

TEST_F(SyncCliTest, JsonSummaryHasEveryCount) {
  WriteFile(a_ + "/x.md", "x");
  nlohmann::json j = SyncJson({}, 0);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["a"], "local:" + a_);
  EXPECT_EQ(j["b"], "local:" + b_);
  EXPECT_EQ(j["dry_run"], false);
  EXPECT_EQ(j["created"], 1);
  EXPECT_EQ(j["updated"], 0);
  EXPECT_EQ(j["deleted"], 0);
  EXPECT_EQ(j["renamed"], 0);
  EXPECT_EQ(j["skipped"], 0);
  EXPECT_EQ(j["failed"], 0);
  EXPECT_EQ(j["conflicts"], 0);
  EXPECT_EQ(j["unresolved_conflicts"], 0);
  EXPECT_EQ(j["bytes"], 1);
  EXPECT_TRUE(j["duration_ms"].is_number());
  EXPECT_EQ(j["exit_status"], 0);
}

TEST_F(SyncCliTest, EventsOnStdoutStartWithStartedEndWithCompleted) {
  WriteFile(a_ + "/c.md", "a's");
  WriteFile(b_ + "/c.md", "b's!");
  WriteFile(a_ + "/x.md", "x");
  CommandResult r = SyncAB({"--events", "-", "--conflict", "skip"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  std::vector<nlohmann::json> lines = JsonLines(r.out);
  ASSERT_EQ(lines.size(), 4u) << r.out;
  EXPECT_EQ(lines[0].dump(), R"({"a":"local:)" + a_ + R"(","b":"local:)" + b_ +
                                 R"(","direction":"both","dry_run":false,"event":"sync_started",)"
                                 R"("operation":"sync"})");
  EXPECT_EQ(lines[1]["event"], "conflict");
  EXPECT_EQ(lines[1]["path"], "c.md");
  EXPECT_TRUE(lines[1]["winner"].is_null());
  EXPECT_EQ(lines[2]["event"], "action");
  EXPECT_EQ(lines[2]["path"], "x.md");
  EXPECT_EQ(lines[2]["result"], "done");
  EXPECT_EQ(lines[3]["event"], "sync_completed");
  EXPECT_EQ(lines[3]["summary"]["exit_status"], 4);
  EXPECT_EQ(lines[3]["summary"]["created"], 1);
  EXPECT_NE(r.err.find("created 1,"), std::string::npos);  // the summary moved to stderr
}

TEST_F(SyncCliTest, ExcludedPathsAreNeitherCopiedNorDeleted) {
  WriteFile(a_ + "/keep.md", "k");
  WriteFile(a_ + "/x.tmp", "t");
  WriteFile(a_ + "/build/out.bin", "o");
  WriteFile(b_ + "/sub/build/b.bin", "b");
  // Each --exclude takes one pattern: the replicas after it stay positional.
  CommandResult r = Sync({"--exclude", "*.tmp", a_, b_, "--exclude", "/build/"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(
      DirTree(b_),
      (TreeMap{{"keep.md", "f:k"}, {"sub", "d"}, {"sub/build", "d"}, {"sub/build/b.bin", "f:b"}}));
  EXPECT_EQ(DirTree(a_).count("sub/build/b.bin"), 1u);
}

TEST_F(SyncCliTest, BackupDirTakesEveryReplacedVersion) {
  WriteFile(a_ + "/x.md", "v1");
  SyncOk({"--backup-dir", "old"});
  WriteFile(a_ + "/x.md", "version 2");
  SyncOk({"--backup-dir", "old"});
  TreeMap backups = DirTree(b_ + "/old");
  ASSERT_EQ(backups.size(), 2u);  // <time>, <time>/x.md
  EXPECT_EQ(backups.rbegin()->second, "f:v1");
  EXPECT_FALSE(fs::exists(b_ + "/.ferry-trash"));
  EXPECT_FALSE(fs::exists(a_ + "/old"));  // never synced across
}

TEST_F(SyncCliTest, BadArgumentsAreOneLineUsageErrors) {
  CommandResult r = SyncAB({"--conflict", "mine"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err.rfind("ferry: --conflict: ", 0), 0u) << r.err;

  CommandResult rclone = Sync({"rclone:remote:x", b_});
  EXPECT_EQ(rclone.exit_code, 2);
  EXPECT_EQ(std::count(rclone.err.begin(), rclone.err.end(), '\n'), 1) << rclone.err;

  CommandResult absolute = SyncAB({"--backup-dir", "/tmp/x"});
  EXPECT_EQ(absolute.exit_code, 2);
}

TEST_F(SyncCliTest, ADocumentSpaceSyncsWithDirectoriesBothWays) {
  WriteFile(a_ + "/notes/x.md", "x from a");
  WriteFile(a_ + "/y.md", "y from a");
  const std::string db = tmp_.Join("notes.db");

  // A space that does not exist is a missing root, as an unmounted directory is.
  CommandResult missing = Sync({a_, "space:notes.db"});
  EXPECT_EQ(missing.exit_code, 5) << missing.err;
  EXPECT_NE(missing.err.find("does not exist"), std::string::npos) << missing.err;
  EXPECT_FALSE(fs::exists(db));

  ASSERT_TRUE(WriteFile(db, ""));  // an empty file becomes a new space
  CommandResult into_space = Sync({a_, "space:notes.db"});
  ASSERT_EQ(into_space.exit_code, 0) << into_space.err;

  // What went into the space comes out into another directory, byte for byte.
  CommandResult out_of_space = Sync({"space:notes.db", b_});
  ASSERT_EQ(out_of_space.exit_code, 0) << out_of_space.err;
  EXPECT_EQ(DirTree(b_), DirTree(a_));

  // An edit on b travels through the space back to a.
  WriteFile(b_ + "/y.md", "y edited on b, longer");
  ASSERT_EQ(Sync({"space:notes.db", b_}).exit_code, 0);
  CommandResult back = Sync({a_, "space:./notes.db"});  // the same space, spelled differently
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_EQ(ReadFile(a_ + "/y.md"), "y edited on b, longer");
  EXPECT_EQ(ReadFile(a_ + "/notes/x.md"), "x from a");
}

}  // namespace
}  // namespace ferry
