import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BlobService } from '../blob/blob.service.js';

export interface CachedFile {
  filename: string;
  sha256: string;
}

/**
 * The runner's local copy of files stored in the database, keyed by content hash, so a
 * runner on another machine needs only the database. Root-only (0700): sandboxed jobs
 * never read it (the dataset's test labels live here).
 */
export class FileCache {
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(
    readonly root: string,
    private readonly blobs: BlobService,
  ) {}

  async init(): Promise<void> {
    await fs.mkdir(this.root, { recursive: true, mode: 0o700 });
    await fs.chmod(this.root, 0o700);
  }

  /** A folder holding exactly `files`, materialised once per distinct set of contents. */
  async folder(kind: string, files: CachedFile[]): Promise<string> {
    const key = createHash('sha256').update(JSON.stringify([...files].sort((a, b) => (a.filename < b.filename ? -1 : 1)))).digest('hex').slice(0, 32);
    const dir = path.join(this.root, kind, key);
    let pending = this.inflight.get(dir);
    if (!pending) {
      pending = this.build(dir, files).finally(() => this.inflight.delete(dir));
      this.inflight.set(dir, pending);
    }
    return pending;
  }

  private async build(dir: string, files: CachedFile[]): Promise<string> {
    const marker = path.join(dir, '.complete');
    if (await exists(marker)) return dir;
    const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
    await fs.mkdir(tmp, { recursive: true, mode: 0o700 });
    for (const f of files) {
      const content = await this.blobs.get(f.sha256);
      if (!content) throw new Error(`file ${f.filename} (${f.sha256}) is missing from the database`);
      await fs.writeFile(path.join(tmp, f.filename), content, { mode: 0o600 });
    }
    await fs.writeFile(path.join(tmp, '.complete'), '');
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rename(tmp, dir);
    return dir;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}
