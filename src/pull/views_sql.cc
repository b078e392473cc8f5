#include "pull/views_sql.h"

#include "base/file_util.h"

namespace ferry::pull {
namespace {

// The quoting of QuoteSqlIdentifier / QuoteSqlString, appended in place: views.sql is
// rendered on every pull (to see whether it changed), 6,000 views for a big stack.
void AppendQuoted(std::string* out, std::string_view text, char quote) {
  out->push_back(quote);
  for (char c : text) {
    if (c == quote) out->push_back(quote);
    out->push_back(c);
  }
  out->push_back(quote);
}

void AppendSchema(std::string* out, const std::string& schema,
                  const std::map<std::string, TableRef>& tables) {
  out->append("CREATE SCHEMA IF NOT EXISTS ");
  AppendQuoted(out, schema, '"');
  out->append(";\n");
  for (const auto& [name, ref] : tables) {
    out->append("CREATE OR REPLACE VIEW ");
    AppendQuoted(out, schema, '"');
    out->push_back('.');
    AppendQuoted(out, name, '"');
    out->append(" AS SELECT * FROM read_parquet(");
    AppendQuoted(out, ref.partitioned ? ref.ref_path + "/**/*.parquet" : ref.ref_path, '\'');
    out->append(");\n");
  }
}

}  // namespace

std::string QuoteSqlIdentifier(std::string_view id) {
  std::string out;
  AppendQuoted(&out, id, '"');
  return out;
}

std::string QuoteSqlString(std::string_view s) {
  std::string out;
  AppendQuoted(&out, s, '\'');
  return out;
}

std::string RenderViewsSql(const SyncState& state) {
  size_t views = state.direct_tables.size();
  for (const auto& [slug, tables] : state.data_packages) views += tables.size();
  std::string out;
  out.reserve(256 + 200 * views);
  out +=
      "-- Written by ferry pull: one schema per data package (\"direct\" for direct tables),\n"
      "-- one view per table. Open with: duckdb -init data/views.sql\n";
  if (!state.direct_tables.empty()) AppendSchema(&out, "direct", state.direct_tables);
  for (const auto& [slug, tables] : state.data_packages) {
    if (tables.empty()) continue;
    AppendSchema(&out, slug, tables);
  }
  return out;
}

Status WriteViewsSqlIfChanged(Env* env, const WorkspaceLayout& layout, const SyncState& state) {
  const std::string text = RenderViewsSql(state);
  Result<std::string> old = ReadFileToString(env, layout.views_sql_path(), 64u << 20);
  if (old.ok() && *old == text) return Status::OK();
  FERRY_RETURN_IF_ERROR(CreateDirs(env, layout.data_dir()));
  return WriteFileAtomically(env, layout.views_sql_path(), text, 0644);
}

}  // namespace ferry::pull
