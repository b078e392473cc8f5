#include "pull/report.h"

#include <gtest/gtest.h>

namespace ferry::pull {
namespace {

// Issue 9: "data packages: 5 added" counted table references, and said nothing about packages.
TEST(SyncReportTest, DataPackagesLineSaysItCountsReferencesAndInHowManyPackages) {
  SyncReport r;
  r.direct_tables.added = 1;
  r.data_packages.added = 5;
  r.data_packages.added_in = {"sales", "finance"};
  r.data_packages.removed = 1;
  r.data_packages.removed_from = {"ops"};
  r.memory_domains.updated = 1;
  const std::string text = FormatSyncReportText(r);
  EXPECT_EQ(text.substr(0, text.find("0 bytes")),
            "direct tables: 1 added, 0 updated, 0 removed\n"
            "data packages (table references): 5 added in 2 packages, 0 updated, 1 removed "
            "from 1 package\n"
            "memory domains: 0 added, 1 updated, 0 removed\n");
}

TEST(SyncReportTest, JsonKeepsTheSeedsCountsAndAddsPackages) {
  SyncReport r;
  r.data_packages.added = 3;
  r.data_packages.added_in = {"sales", "onboarding"};
  r.data_packages.updated = 2;
  r.data_packages.updated_in = {"sales"};
  nlohmann::json j = SyncReportToJson(r);
  EXPECT_EQ(j["data_packages"]["added"], 3);
  EXPECT_EQ(j["data_packages"]["updated"], 2);
  EXPECT_EQ(j["data_packages"]["packages"],
            nlohmann::json({{"added", 2}, {"updated", 1}, {"removed", 0}}));
  EXPECT_FALSE(j["direct_tables"].contains("packages"));
}

// Issue 9 item 2: a full disk printed one error line per table; it is one line in all.
TEST(SyncReportTest, DiskErrorsAreOneSummaryLineNotOnePerTable) {
  SyncReport r;
  const std::string enospc =
      "download of table t1: write /ws/.ferry/partial/t1.abc.part: No space left on device";
  r.direct_tables.errors.push_back({"", "a", enospc, StatusCode::kNoSpace});
  r.data_packages.errors.push_back(
      {"sales", "b", "download of table t2 not attempted after a disk error: " + enospc,
       StatusCode::kNoSpace});
  r.data_packages.errors.push_back(
      {"sales", "c", "table t3: bytes from http://x/t3 do not verify", StatusCode::kCorruption});
  r.memory_domains.errors.push_back({"", "playbook",
                                     "open /ws/memory/playbook/.tmp: No space left on device",
                                     StatusCode::kNoSpace});
  r.memory_domains.errors.push_back(
      {"", "notes", "mkdir /ws/memory/notes: Permission denied", StatusCode::kPermissionDenied});

  EXPECT_EQ(DiskErrorSummaries(r),
            (std::vector<std::string>{
                "error: 2 tables and 1 memory bundle not synced: not enough space on the disk "
                "(first: " +
                    enospc +
                    "); free space on that filesystem and run `ferry pull` "
                    "again (what synced is kept)",
                "error: 1 memory bundle not synced: permission denied (first: mkdir "
                "/ws/memory/notes: Permission denied); make the workspace writable by this user "
                "and run `ferry pull` again (what synced is kept)"}));
  EXPECT_EQ(FormatSyncReportText(r),
            "direct tables: 0 added, 0 updated, 0 removed, 1 failed\n"
            "data packages (table references): 0 added, 0 updated, 0 removed, 2 failed\n"
            "  error: sales/c: table t3: bytes from http://x/t3 do not verify\n"
            "memory domains: 0 added, 0 updated, 0 removed, 2 failed\n"
            "  " +
                DiskErrorSummaries(r)[0] +
                "\n"
                "  " +
                DiskErrorSummaries(r)[1] +
                "\n"
                "0 bytes downloaded in 0.00 s\n");
  nlohmann::json j = SyncReportToJson(r);
  EXPECT_EQ(j["summary"].size(), 2u);
  EXPECT_EQ(j["direct_tables"]["errors"].size(), 1u) << "each table's error stays in the JSON";
  EXPECT_EQ(j["data_packages"]["errors"].size(), 2u);
}

TEST(SyncReportTest, NoDiskErrorNoSummary) {
  SyncReport r;
  r.direct_tables.errors.push_back({"", "a", "boom", StatusCode::kCorruption});
  EXPECT_TRUE(DiskErrorSummaries(r).empty());
  EXPECT_TRUE(SyncReportToJson(r)["summary"].empty());
  EXPECT_NE(FormatSyncReportText(r).find("  error: a: boom\n"), std::string::npos);
}

}  // namespace
}  // namespace ferry::pull
