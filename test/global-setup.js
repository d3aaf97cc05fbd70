// Starts the PostgreSQL server the suite runs against: the embedded one (default) or the
// server of DATABASE_URL. Each test file then creates its own database on it (test/helpers).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EmbeddedPostgres } from '../dist/src/database/embedded-postgres.js';

export default async function globalSetup() {
  if (process.env.DATABASE_URL) {
    process.env.TEST_PG_SERVER_URL = process.env.DATABASE_URL;
    process.env.TEST_PG_MODE = 'DATABASE_URL';
    console.log(`\n[tests] against DATABASE_URL (${new URL(process.env.DATABASE_URL).host})`);
    return;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'datarun-test-pg-'));
  const server = new EmbeddedPostgres({ dataDir: path.join(dir, 'pg') });
  process.env.TEST_PG_SERVER_URL = await server.start();
  process.env.TEST_PG_MODE = 'embedded';
  globalThis.__DATARUN_TEST_PG__ = { server, dir };
  console.log('\n[tests] against the embedded PostgreSQL');
}
