import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';

/** Maps a raw row (snake_case columns, e.g. from UPDATE … RETURNING *) onto an entity instance. */
export function rowToEntity<T extends ObjectLiteral>(ds: DataSource, target: EntityTarget<T>, raw: Record<string, unknown>): T {
  const meta = ds.getMetadata(target);
  const entity = meta.create() as T;
  for (const col of meta.columns) {
    let value = raw[col.databaseName];
    if (value !== undefined && col.transformer && !Array.isArray(col.transformer)) value = col.transformer.from(value);
    (entity as Record<string, unknown>)[col.propertyName] = value;
  }
  return entity;
}
