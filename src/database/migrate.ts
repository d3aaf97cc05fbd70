import type { DataSource } from 'typeorm';

/** Arbitrary but fixed: every datarun process takes the same lock. */
const MIGRATION_LOCK_KEY = 7_311_998_001;

/**
 * Runs pending migrations while holding a PostgreSQL advisory lock, so that several
 * processes booting against one database at once migrate it exactly once.
 */
export async function migrateWithLock(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}
