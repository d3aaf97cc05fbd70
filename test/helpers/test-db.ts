import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { withDatabase } from '../../src/database/database.js';

/** The server chosen by test/global-setup.js: embedded, or DATABASE_URL's. */
export function serverUrl(): string {
  const url = process.env.TEST_PG_SERVER_URL;
  if (!url) throw new Error('TEST_PG_SERVER_URL is not set: run the suite with `npm test`');
  return url;
}

export interface TestDatabase {
  url: string;
  /** A digest of every row of every table: equal before and after means nothing changed. */
  digest(): Promise<string>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/** A fresh, empty database on the test server, so test files never see each other's rows. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `datarun_t_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabase(serverUrl(), name);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const query = async <T>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as T[];
  return {
    url,
    query,
    async digest() {
      const tables = await query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
      const parts: string[] = [];
      for (const { t } of tables) {
        const [{ n, h }] = await query<{ n: string; h: string }>(`SELECT count(*) AS n, coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '') AS h FROM ${t} x`);
        const d = `${t}:${n}:${h}`;
        parts.push(d);
      }
      return parts.join('\n');
    },
    async drop() {
      await client.end();
      const a = new pg.Client({ connectionString: serverUrl() });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
