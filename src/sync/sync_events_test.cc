#include "sync/sync_events.h"

#include <gtest/gtest.h>

namespace ferry::sync {
namespace {

TEST(SyncEventsTest, StartedLineWordForWord) {
  EXPECT_EQ(SyncStartedEvent("sync", "local:/a", "local:/b", DirectionName(Direction::kAToB), true),
            R"({"event":"sync_started","operation":"sync","a":"local:/a","b":"local:/b",)"
            R"("direction":"a-to-b","dry_run":true})");
}

TEST(SyncEventsTest, ConflictLineSaysTheWinnerOrNull) {
  Conflict c;
  c.path = "c.md";
  c.policy = ConflictPolicy::kManual;
  c.note = "left untouched (policy manual)";
  EXPECT_EQ(ConflictEvent(c),
            R"({"event":"conflict","path":"c.md","policy":"manual","winner":null,)"
            R"j("note":"left untouched (policy manual)"})j");
  c.policy = ConflictPolicy::kNewer;
  c.winner = Side::kB;
  c.note.clear();
  EXPECT_EQ(ConflictEvent(c),
            R"({"event":"conflict","path":"c.md","policy":"newer","winner":"b"})");
}

TEST(SyncEventsTest, ActionLinesPlannedDoneAndChanged) {
  SyncAction act;
  act.op = ActionOp::kRename;
  act.side = Side::kB;
  act.path = "x";
  act.to_path = "y";
  act.why = "renamed on a";
  EXPECT_EQ(ActionEvent(act, nullptr),
            R"({"event":"action","op":"rename","side":"b","path":"x","to_path":"y",)"
            R"("why":"renamed on a","result":"planned"})");
  act.op = ActionOp::kCopy;
  act.why = "modified on a";
  ActionOutcome done;
  EXPECT_EQ(ActionEvent(act, &done),
            R"({"event":"action","op":"copy","side":"b","path":"x","why":"modified on a",)"
            R"("result":"done"})");
  ActionOutcome changed{ActionResult::kChanged, Status::Conflict("copy x: b's x changed")};
  EXPECT_EQ(ActionEvent(act, &changed),
            R"({"event":"action","op":"copy","side":"b","path":"x","why":"modified on a",)"
            R"("result":"changed","message":"copy x: b's x changed"})");
}

TEST(SyncEventsTest, CompletedLineCarriesTheSummaryAndExitStatus) {
  SyncSummary s;
  s.created = 2;
  s.renamed = 1;
  s.conflicts = 1;
  s.unresolved = 1;
  s.bytes = 10;
  s.duration_ms = 7;
  EXPECT_EQ(SyncCompletedEvent(true, "", s, 4),
            R"({"event":"sync_completed","ok":true,"summary":{"dry_run":false,"created":2,)"
            R"("updated":0,"deleted":0,"renamed":1,"skipped":0,"failed":0,"conflicts":1,)"
            R"("unresolved_conflicts":1,"bytes":10,"duration_ms":7,"exit_status":4}})");
  EXPECT_EQ(SyncCompletedEvent(false, "lock held", SyncSummary{}, 5).substr(0, 61),
            R"({"event":"sync_completed","ok":false,"message":"lock held","s)");
}

}  // namespace
}  // namespace ferry::sync
