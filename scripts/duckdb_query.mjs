// Queries a ferry workspace through real DuckDB, the way an analyst would with
// `duckdb -init data/views.sql`: runs <workspace>/data/views.sql (from inside the workspace, so
// relative paths in it resolve as they do for the CLI), then counts the rows behind every view
// it created, then runs any extra SQL given on the command line.
//
//   node scripts/duckdb_query.mjs [--json] <workspace> ["SELECT ..."]...
//
// Text output: one "schema.view  rows" line per view, then each query's rows. --json prints
// {"views": [{"schema", "view", "rows"}], "queries": [{"sql", "rows": [...]}]} for tests.
// Exit 1 with a one-line message when views.sql is missing or DuckDB rejects a statement.
import fs from 'node:fs';
import path from 'node:path';
import { loadDuckDB } from './duckdb_load.mjs';

const args = process.argv.slice(2);
const json = args[0] === '--json';
if (json) args.shift();
if (args.length < 1) {
  console.error('usage: duckdb_query.mjs [--json] <workspace> ["SQL"]...');
  process.exit(2);
}
const workspace = path.resolve(args[0]);
const queries = args.slice(1);
const viewsSql = path.join(workspace, 'data', 'views.sql');
if (!fs.existsSync(viewsSql)) {
  console.error(`duckdb_query: ${viewsSql} does not exist; run 'ferry pull' into ${workspace} first`);
  process.exit(1);
}

const quoteIdent = (s) => '"' + s.replaceAll('"', '""') + '"';
// JSON cannot hold BigInt; counts and sample values are small enough for Number.
const plain = (v) => (typeof v === 'bigint' ? Number(v) : v);

const { DuckDBInstance } = loadDuckDB();
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const result = { views: [], queries: [] };
let step = `running ${viewsSql}`;
try {
  process.chdir(workspace);
  await connection.run(fs.readFileSync(viewsSql, 'utf8'));
  step = 'listing the views';
  const views = (await connection.runAndReadAll(
    `SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1, 2`))
    .getRowObjectsJS();
  for (const { schema_name: schema, view_name: view } of views) {
    step = `counting rows of ${schema}.${view}`;
    const reader = await connection.runAndReadAll(
      `SELECT count(*) AS n FROM ${quoteIdent(schema)}.${quoteIdent(view)}`);
    result.views.push({ schema, view, rows: plain(reader.getRowObjectsJS()[0].n) });
  }
  for (const sql of queries) {
    step = `running "${sql}"`;
    const rows = (await connection.runAndReadAll(sql)).getRowObjectsJS()
      .map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, plain(v)])));
    result.queries.push({ sql, rows });
  }
} catch (err) {
  console.error(`duckdb_query: DuckDB failed ${step}: ${String(err.message ?? err).split('\n')[0]}`);
  process.exit(1);
} finally {
  connection.closeSync();
  instance.closeSync();
}

if (json) {
  console.log(JSON.stringify(result));
} else {
  for (const { schema, view, rows } of result.views) {
    console.log(`  ${(schema + '.' + view).padEnd(28)} ${String(rows).padStart(8)} rows`);
  }
  for (const { sql, rows } of result.queries) {
    console.log(`\n  ${sql}`);
    if (rows.length === 0) { console.log('    (no rows)'); continue; }
    const cols = Object.keys(rows[0]);
    const text = (v) => (v === null ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v));
    const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => text(r[c]).length)));
    const line = (cells) => ('    ' + cells.map((c, i) => c.padEnd(widths[i])).join('  ')).trimEnd();
    console.log(line(cols));
    for (const r of rows) console.log(line(cols.map((c) => text(r[c]))));
  }
}
