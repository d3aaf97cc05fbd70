import path from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { dataSourceOptions } from './data-source-options.js';
import { EmbeddedPostgres } from './embedded-postgres.js';
import { migrateWithLock } from './migrate.js';

export const EMBEDDED_DB_NAME = 'datarun';

/** A database the process can use, and how to let go of it. */
export interface DatabaseHandle {
  url: string;
  embedded: boolean;
  close(): Promise<void>;
}

/**
 * DATABASE_URL when set; otherwise the embedded cluster under $DATARUN_DATA_DIR/pg
 * (started here, or shared with the datarun process that already runs it).
 */
export async function openDatabase(config: AppConfig, log: (msg: string) => void = () => undefined): Promise<DatabaseHandle> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: false, close: async () => undefined };
  const server = new EmbeddedPostgres({ dataDir: path.join(config.dataDir, 'pg'), systemUser: config.pgSystemUser, log });
  const adminUrl = await server.start();
  try {
    await ensureDatabase(adminUrl, EMBEDDED_DB_NAME);
  } catch (e) {
    await server.stop();
    throw e;
  }
  return { url: withDatabase(adminUrl, EMBEDDED_DB_NAME), embedded: true, close: () => server.stop() };
}

/** Creates database `name` on the server of `adminUrl` unless it exists. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`).catch((e: { code?: string }) => {
        if (e.code !== '42P04') throw e; // created meanwhile by another process
      });
    }
  } finally {
    await client.end();
  }
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = '/' + encodeURIComponent(database);
  return u.toString();
}

/** An initialised, migrated DataSource (for the CLI and tests; the app goes through TypeOrmModule). */
export async function openDataSource(url: string, poolSize = 4): Promise<DataSource> {
  const ds = new DataSource(dataSourceOptions(url, poolSize));
  await ds.initialize();
  await migrateWithLock(ds);
  return ds;
}
