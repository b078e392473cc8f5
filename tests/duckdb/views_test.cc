// The analyst's end of ferry: the real `ferry serve` on the committed sample catalog (demo/),
// the real `ferry pull` into a temp workspace, then real DuckDB (npm @duckdb/node-api, through
// scripts/duckdb_query.mjs) loading the workspace's data/views.sql and counting rows through
// every view. The counts must equal the rows the catalog's parquet files hold, as recorded
// when scripts/make_sample_data.mjs generated them (demo/expected_rows.json), and there must be
// exactly one view per table per package (plus `direct`) in the user's stack.
//
// DuckDB comes from npm (scripts/ensure_duckdb installs it once into a cache). A machine that
// cannot reach the npm registry fails this test with ensure_duckdb's message: CI can reach it,
// and a skipped test would hide a broken views.sql.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ferry/command_runner.h"
#include "support/ferry_binary.h"
#include "support/file_contents.h"
#include "support/serve_process.h"
#include "support/temp_dir.h"

namespace ferry {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAreArray;
using ViewRows = std::map<std::string, int64_t>;  // "schema.view" -> rows

constexpr char kAnaToken[] = "demo-token-ana";  // see demo/catalog.yaml
constexpr char kBobToken[] = "demo-token-bob";

using testing::FerryBinary;
using testing::ReadFile;
using testing::ServeProcess;

class DuckDbViewsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::FerryBinaryIsSet())
        << "FERRY_BINARY is not set; run the test through ctest";
    catalog_dir_ = fs::path(tmp_.path()) / "catalog";
    fs::copy(fs::path(FERRY_SOURCE_DIR) / "demo", catalog_dir_, fs::copy_options::recursive);
    expected_rows_ =
        nlohmann::json::parse(ReadFile(catalog_dir_ / "expected_rows.json")).get<ViewRows>();
    ASSERT_TRUE(server_.Start({"--catalog", (catalog_dir_ / "catalog.yaml").string(), "--listen",
                               "127.0.0.1:0", "--state",
                               (fs::path(tmp_.path()) / "stacks.sqlite").string()}))
        << server_.stderr_text();
  }

  // The rows of one generated file, by its path under demo/ ("data/sales/orders.parquet").
  int64_t Rows(const std::string& file) const {
    auto it = expected_rows_.find(file);
    EXPECT_NE(it, expected_rows_.end()) << file << " is not in demo/expected_rows.json";
    return it == expected_rows_.end() ? -1 : it->second;
  }
  int64_t EventsRows() const {
    return Rows("data/events/2024/part-0.parquet") + Rows("data/events/2025/part-0.parquet") +
           Rows("data/events/2025/part-1.parquet");
  }

  CommandResult RunOrFail(CommandSpec spec) {
    auto result = runner_->Run(spec);
    if (!result.ok()) {
      ADD_FAILURE() << result.status().ToString();
      return {};
    }
    return std::move(result).value();
  }

  // `ferry <args> --server URL --token TOKEN`; the test fails when it does not exit 0.
  void Ferry(std::vector<std::string> args, const std::string& token) {
    args.insert(args.begin(), FerryBinary());
    args.insert(args.end(), {"--server", server_.url(), "--token", token});
    CommandSpec spec;
    spec.argv = args;
    spec.timeout_ms = 60'000;
    CommandResult result = RunOrFail(spec);
    ASSERT_TRUE(result.ok()) << DescribeCommand(args) << " exited " << result.exit_code
                             << "\nstdout:\n"
                             << result.stdout_text << "\nstderr:\n"
                             << result.stderr_text << "\nserver log:\n"
                             << server_.stderr_text();
  }

  void Pull(const std::string& workspace, const std::string& token) {
    ASSERT_NO_FATAL_FAILURE(Ferry({"pull", "--workspace", workspace}, token));
  }

  // Every view data/views.sql creates, with its row count through real DuckDB.
  ViewRows QueryViews(const std::string& workspace) {
    static const std::string duckdb_dir = EnsureDuckDb();
    if (duckdb_dir.empty()) return {};
    CommandSpec spec;
    spec.argv = {"node", std::string(FERRY_SOURCE_DIR) + "/scripts/duckdb_query.mjs", "--json",
                 workspace};
    spec.env_overrides = {{"FERRY_DUCKDB_DIR", duckdb_dir}};
    spec.timeout_ms = 120'000;
    CommandResult result = RunOrFail(spec);
    EXPECT_TRUE(result.ok()) << "duckdb_query.mjs exited " << result.exit_code << ":\n"
                             << result.stderr_text << "\nviews.sql:\n"
                             << ReadFile(fs::path(workspace) / "data/views.sql");
    if (!result.ok()) return {};
    ViewRows views;
    try {
      const nlohmann::json parsed = nlohmann::json::parse(result.stdout_text);
      for (const auto& view : parsed.at("views")) {
        views[view.at("schema").get<std::string>() + "." + view.at("view").get<std::string>()] =
            view.at("rows").get<int64_t>();
      }
    } catch (const nlohmann::json::exception& e) {
      ADD_FAILURE() << "duckdb_query.mjs printed no valid JSON (" << e.what() << "):\n"
                    << result.stdout_text;
    }
    return views;
  }

  // scripts/ensure_duckdb's directory, or "" after recording a failure that says why.
  std::string EnsureDuckDb() {
    CommandSpec spec;
    spec.argv = {"bash", std::string(FERRY_SOURCE_DIR) + "/scripts/ensure_duckdb"};
    spec.timeout_ms = 600'000;
    CommandResult result = RunOrFail(spec);
    if (!result.ok() || result.stdout_text.empty()) {
      ADD_FAILURE() << "DuckDB for Node.js is needed to check data/views.sql and could not be "
                       "installed from npm (scripts/ensure_duckdb exited "
                    << result.exit_code << "):\n"
                    << result.stderr_text;
      return "";
    }
    std::string dir = result.stdout_text;
    while (!dir.empty() && dir.back() == '\n') dir.pop_back();
    return dir;
  }

  testing::TempDir tmp_;
  fs::path catalog_dir_;
  ViewRows expected_rows_;
  ServeProcess server_;
  std::unique_ptr<CommandRunner> runner_ = NewPosixCommandRunner();
};

TEST_F(DuckDbViewsTest, AnaHasOneViewPerTablePerPackageWithTheCatalogsRows) {
  const std::string ws = tmp_.Join("ana");
  ASSERT_NO_FATAL_FAILURE(Pull(ws, kAnaToken));

  // customers is in sales and finance: one view in each. payments_raw is server_only: none.
  const ViewRows expected = {
      {"direct.fx_rates", Rows("data/finance/fx_rates.parquet")},
      {"finance.customers", Rows("data/sales/customers.parquet")},
      {"finance.invoices", Rows("data/finance/invoices.parquet")},
      {"product.events", EventsRows()},
      {"sales.customers", Rows("data/sales/customers.parquet")},
      {"sales.orders", Rows("data/sales/orders.parquet")},
  };
  EXPECT_THAT(QueryViews(ws), ElementsAreArray(expected));
  EXPECT_EQ(expected.at("sales.orders"), 1000);  // the generator's count, as documented
  EXPECT_EQ(expected.at("product.events"), 1200);
}

TEST_F(DuckDbViewsTest, BobsViewsCoverOnlyHisStack) {
  const std::string ws = tmp_.Join("bob");
  ASSERT_NO_FATAL_FAILURE(Pull(ws, kBobToken));

  // bob subscribed to product; sales is required. No finance, no direct tables.
  const ViewRows expected = {
      {"product.events", EventsRows()},
      {"sales.customers", Rows("data/sales/customers.parquet")},
      {"sales.orders", Rows("data/sales/orders.parquet")},
  };
  EXPECT_THAT(QueryViews(ws), ElementsAreArray(expected));
}

TEST_F(DuckDbViewsTest, ViewsFollowAnUpdatedTableAndADroppedPackage) {
  const std::string ws = tmp_.Join("ana");
  ASSERT_NO_FATAL_FAILURE(Pull(ws, kAnaToken));

  // Republish orders with new bytes (atomically, as a publisher would) and drop finance.
  fs::copy_file(catalog_dir_ / "data-v2/orders.parquet", catalog_dir_ / "data/sales/.new",
                fs::copy_options::overwrite_existing);
  fs::rename(catalog_dir_ / "data/sales/.new", catalog_dir_ / "data/sales/orders.parquet");
  ASSERT_NO_FATAL_FAILURE(Ferry({"stack", "remove", "packages", "finance"}, kAnaToken));
  ASSERT_NO_FATAL_FAILURE(Pull(ws, kAnaToken));

  const ViewRows expected = {
      {"direct.fx_rates", Rows("data/finance/fx_rates.parquet")},
      {"product.events", EventsRows()},
      {"sales.customers", Rows("data/sales/customers.parquet")},
      {"sales.orders", Rows("data-v2/orders.parquet")},
  };
  EXPECT_THAT(QueryViews(ws), ElementsAreArray(expected));
  EXPECT_EQ(expected.at("sales.orders"), 1250);
  EXPECT_FALSE(fs::exists(fs::path(ws) / "data/finance"));
}

}  // namespace
}  // namespace ferry
