// Loads DuckDB's Node.js API (@duckdb/node-api) for ferry's scripts. The package is not in the
// repository: scripts/ensure_duckdb installs it (pinned) into a cache directory outside it and
// prints that directory. FERRY_DUCKDB_DIR short-cuts the call when the caller already ran it.
// ES modules ignore NODE_PATH, hence createRequire on the cache directory.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const scriptsDir = path.dirname(fileURLToPath(import.meta.url));

export function duckdbDir() {
  if (process.env.FERRY_DUCKDB_DIR) return process.env.FERRY_DUCKDB_DIR;
  return execFileSync('bash', [path.join(scriptsDir, 'ensure_duckdb')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

export function loadDuckDB() {
  const require = createRequire(path.join(duckdbDir(), 'package.json'));
  return require('@duckdb/node-api');
}
