import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { InjectDataSource } from '@nestjs/typeorm';

export const BLOB_CHUNK_BYTES = 8 * 1024 * 1024;

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface NamedBlob {
  filename: string;
  sha256: string;
  size: number;
}

/** Content-addressed file store in PostgreSQL (tables file_blob and file_blob_chunk). */
@Injectable()
export class BlobService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Stores `content` unless a blob with the same hash exists; returns its hash. */
  async put(manager: EntityManager, content: Buffer): Promise<string> {
    const sha256 = sha256Hex(content);
    const inserted: unknown[] = await manager.query(
      `INSERT INTO file_blob (sha256, size) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING RETURNING sha256`,
      [sha256, content.length],
    );
    if (inserted.length) {
      for (let seq = 0, off = 0; off < content.length || seq === 0; seq++, off += BLOB_CHUNK_BYTES) {
        await manager.query(`INSERT INTO file_blob_chunk (sha256, seq, data) VALUES ($1, $2, $3)`, [
          sha256, seq, content.subarray(off, off + BLOB_CHUNK_BYTES),
        ]);
      }
    }
    return sha256;
  }

  /** A blob's whole content; undefined when unknown. */
  async get(sha256: string, manager: EntityManager = this.dataSource.manager): Promise<Buffer | undefined> {
    const rows: { data: Buffer }[] = await manager.query(
      `SELECT data FROM file_blob_chunk WHERE sha256 = $1 ORDER BY seq`,
      [sha256],
    );
    return rows.length ? Buffer.concat(rows.map((r) => r.data)) : undefined;
  }
}

/** Checksum of a set of files: independent of the order they were posted in. */
export function hashFiles(files: { filename: string; sha256: string }[]): string {
  const lines = [...files].sort((a, b) => (a.filename < b.filename ? -1 : 1)).map((f) => `${f.filename}\0${f.sha256}\n`);
  return sha256Hex(lines.join(''));
}
