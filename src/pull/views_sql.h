// data/views.sql: a DuckDB script over the workspace, so an analyst can run
// `duckdb -init data/views.sql` and query every pulled table by package:
//
//   CREATE SCHEMA IF NOT EXISTS "sales";
//   CREATE OR REPLACE VIEW "sales"."orders" AS SELECT * FROM read_parquet('/ws/data/sales/orders.parquet');
//
// One schema per package, "direct" for direct tables; a partitioned table reads
// '<reference dir>/**/*.parquet'. Paths are the references' absolute paths. Identifiers are
// double-quoted with '"' doubled, strings single-quoted with '\'' doubled. Order is
// deterministic (schemas and tables sorted by name; "direct" first), so an unchanged workspace
// renders byte-identical text and WriteViewsSqlIfChanged writes nothing.
//
// Thread-safety: pure function plus one atomic write.
#ifndef FERRY_PULL_VIEWS_SQL_H_
#define FERRY_PULL_VIEWS_SQL_H_

#include <string>
#include <string_view>

#include "ferry/env.h"
#include "store/sync_state.h"
#include "store/workspace_layout.h"

namespace ferry::pull {

std::string QuoteSqlIdentifier(std::string_view id);
std::string QuoteSqlString(std::string_view s);

std::string RenderViewsSql(const SyncState& state);

// Writes layout.views_sql_path() atomically when its content differs from RenderViewsSql.
Status WriteViewsSqlIfChanged(Env* env, const WorkspaceLayout& layout, const SyncState& state);

}  // namespace ferry::pull

#endif  // FERRY_PULL_VIEWS_SQL_H_
