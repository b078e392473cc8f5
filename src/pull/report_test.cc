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

}  // namespace
}  // namespace ferry::pull
