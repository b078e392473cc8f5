// Regenerates ferry's committed sample catalog data (demo/data/**.parquet, demo/data-v2/) with
// real DuckDB, and demo/expected_rows.json, the row count of every generated table that the
// DuckDB views test checks against. Values are pure arithmetic on the row number (no random()),
// so a rerun with the same DuckDB version writes the same rows.
//
//   node scripts/make_sample_data.mjs            (fetches @duckdb/node-api via scripts/ensure_duckdb)
//
// The outputs are committed; nothing in the build or the demo runs this script.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDuckDB } from './duckdb_load.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const demo = path.join(repo, 'demo');

// table -> [relative output file, row count, SELECT producing the rows from range(n) AS r(i)]
const kRegions = "['north','south','east','west']";
const kStatuses = "['placed','shipped','delivered','returned']";
const orders = (n) => `
  SELECT i + 1 AS order_id,
         (i * 37) % 200 + 1 AS customer_id,
         DATE '2025-01-01' + CAST((i * 13) % 365 AS INTEGER) AS order_date,
         ROUND(10 + ((i * 7919) % 50000) / 100.0, 2)::DECIMAL(10,2) AS amount,
         (${kStatuses})[(i * 3) % 4 + 1] AS status
  FROM range(${n}) r(i)`;
const files = [
  ['data/sales/orders.parquet', 1000, orders(1000)],
  ['data-v2/orders.parquet', 1250, orders(1250)],
  ['data/sales/customers.parquet', 200, `
    SELECT i + 1 AS customer_id,
           'Customer ' || lpad(CAST(i + 1 AS VARCHAR), 3, '0') AS name,
           (${kRegions})[i % 4 + 1] AS region,
           DATE '2023-06-01' + CAST((i * 11) % 700 AS INTEGER) AS since
    FROM range(200) r(i)`],
  ['data/finance/invoices.parquet', 300, `
    SELECT 'INV-' || lpad(CAST(i + 1 AS VARCHAR), 5, '0') AS invoice_id,
           (i * 53) % 200 + 1 AS customer_id,
           DATE '2025-01-15' + CAST((i * 17) % 330 AS INTEGER) AS issued_on,
           ROUND(100 + ((i * 104729) % 900000) / 100.0, 2)::DECIMAL(12,2) AS total,
           (i % 5 <> 0) AS paid
    FROM range(300) r(i)`],
  ['data/finance/fx_rates.parquet', 90, `
    SELECT DATE '2025-01-01' + CAST(i // 3 AS INTEGER) AS day,
           (['EUR','GBP','JPY'])[i % 3 + 1] AS currency,
           ROUND((CASE i % 3 WHEN 0 THEN 0.92 WHEN 1 THEN 0.79 ELSE 151.0 END)
                 * (1 + ((i * 31) % 21 - 10) / 1000.0), 4) AS per_usd
    FROM range(90) r(i)`],
  ['data/finance/payments_raw.parquet', 500, `
    SELECT i + 1 AS payment_id, 'card-' || lpad(CAST((i * 7) % 10000 AS VARCHAR), 4, '0') AS card,
           ROUND(((i * 7919) % 100000) / 100.0, 2)::DECIMAL(10,2) AS amount
    FROM range(500) r(i)`],
];
// The partitioned table: one directory, a part file per slice. Part paths avoid '=' (hive
// style) because PROTOCOL.md allows only [A-Za-z0-9_.-] in a path segment.
const events = (year, part, n, offset) => [
  `data/events/${year}/part-${part}.parquet`, n, `
    SELECT ${offset} + i + 1 AS event_id,
           TIMESTAMP '${year}-01-01 00:00:00' + INTERVAL (CAST((i * 7777) % 31536000 AS BIGINT)) SECOND AS at,
           (['view','click','signup','purchase'])[(i * 7) % 4 + 1] AS kind,
           (i * 37) % 200 + 1 AS customer_id
    FROM range(${n}) r(i)`];
files.push(events(2024, 0, 400, 0), events(2025, 0, 450, 400), events(2025, 1, 350, 850));

const { DuckDBInstance } = loadDuckDB();
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const expected = {};
for (const [rel, n, select] of files) {
  const out = path.join(demo, rel);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.rmSync(out, { force: true });
  await connection.run(
    `COPY (${select} ORDER BY 1) TO '${out.replaceAll("'", "''")}' (FORMAT parquet, COMPRESSION zstd)`);
  const reader = await connection.runAndReadAll(
    `SELECT count(*)::INTEGER AS n FROM read_parquet('${out.replaceAll("'", "''")}')`);
  const got = reader.getRowObjectsJS()[0].n;
  if (got !== n) throw new Error(`${rel}: wrote ${got} rows, expected ${n}`);
  expected[rel] = n;
  console.log(`${rel.padEnd(36)} ${String(n).padStart(5)} rows ${fs.statSync(out).size} bytes`);
}
fs.writeFileSync(path.join(demo, 'expected_rows.json'), JSON.stringify(expected, null, 2) + '\n');
connection.closeSync();
instance.closeSync();
