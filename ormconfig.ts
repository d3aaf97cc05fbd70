// The DataSource of the TypeORM CLI (npm run migration:run / migration:generate).
// It uses DATABASE_URL, or the embedded server a running datarun has started.
import 'reflect-metadata';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { EMBEDDED_DB_NAME, withDatabase } from './src/database/database.js';
import { dataSourceOptions } from './src/database/data-source-options.js';
import { runningEmbeddedUrl } from './src/database/embedded-postgres.js';

function url(): string {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const embedded = runningEmbeddedUrl(path.join(process.env.DATARUN_DATA_DIR ?? './data', 'pg'));
  if (!embedded) throw new Error('Set DATABASE_URL, or start datarun (npm start) so that its embedded database runs');
  return withDatabase(embedded, EMBEDDED_DB_NAME);
}

export default new DataSource(dataSourceOptions(url()));
