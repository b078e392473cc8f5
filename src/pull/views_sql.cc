#include "pull/views_sql.h"

#include "base/file_util.h"

namespace ferry::pull {
namespace {

void AppendSchema(std::string* out, const std::string& schema,
                  const std::map<std::string, TableRef>& tables) {
  *out += "CREATE SCHEMA IF NOT EXISTS " + QuoteSqlIdentifier(schema) + ";\n";
  for (const auto& [name, ref] : tables) {
    std::string source = ref.partitioned ? ref.ref_path + "/**/*.parquet" : ref.ref_path;
    *out += "CREATE OR REPLACE VIEW " + QuoteSqlIdentifier(schema) + "." +
            QuoteSqlIdentifier(name) + " AS SELECT * FROM read_parquet(" +
            QuoteSqlString(source) + ");\n";
  }
}

}  // namespace

std::string QuoteSqlIdentifier(std::string_view id) {
  std::string out = "\"";
  for (char c : id) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string QuoteSqlString(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string RenderViewsSql(const SyncState& state) {
  std::string out =
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
