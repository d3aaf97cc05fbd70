import { describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { createTestDatabase } from '../../test/helpers/test-db.js';
import { dataSourceOptions, MIGRATIONS } from './data-source-options.js';
import { migrateWithLock } from './migrate.js';

describe('migrateWithLock', () => {
  it('lets several processes boot against one empty database at once: each migration runs exactly once', async () => {
    const db = await createTestDatabase();
    const sources = Array.from({ length: 4 }, () => new DataSource(dataSourceOptions(db.url, 2)));
    try {
      await Promise.all(sources.map(async (ds) => migrateWithLock(await ds.initialize())));
      const rows = await db.query<{ name: string }>('SELECT name FROM typeorm_migrations');
      expect(rows.map((r) => r.name)).toEqual(MIGRATIONS.map((m) => m.name));
      const tables = await db.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
      expect(tables.map((r) => r.t)).toEqual(expect.arrayContaining(['raw_data', 'submission', 'submission_fold', 'job', 'file_blob', 'app_user']));
    } finally {
      await Promise.all(sources.map((ds) => ds.destroy()));
      await db.drop();
    }
  });
});
