import { Logger } from '@nestjs/common';
import { Zygote } from './zygote.js';

/** A dataset that could not be loaded: every fold of it would fail the same way. */
export class DatasetLoadError extends Error {}

/**
 * Warm Python processes: one generic (splits) and one per dataset in use, the least
 * recently used idle one stopped when more than `maxWarm` datasets are warm.
 */
export class ZygotePool {
  private readonly logger = new Logger('ZygotePool');
  private generic?: Promise<Zygote>;
  private readonly byDataset = new Map<string, Promise<Zygote>>();

  constructor(
    private readonly python: string,
    private readonly script: string,
    private readonly maxWarm: number,
  ) {}

  /** The process for splits (no dataset loaded); restarted if it died. */
  async forSplits(): Promise<Zygote> {
    const current = this.generic && (await this.generic.catch(() => undefined));
    if (!current?.alive) {
      const z = new Zygote(this.python, this.script, 'splits');
      this.generic = z.ready.then(() => z);
    }
    return this.generic!;
  }

  /** The warm process of dataset `key`, started and loaded with `load` on first use. */
  async forDataset(key: string, load: Record<string, unknown>): Promise<Zygote> {
    let pending = this.byDataset.get(key);
    const existing = pending && (await pending.catch(() => undefined));
    if (!pending || (existing && !existing.alive)) {
      pending = this.start(key, load);
      this.byDataset.set(key, pending);
      pending.catch(() => this.byDataset.delete(key));
    }
    const z = await pending;
    await this.evict(key);
    return z;
  }

  async closeAll(graceMs: number): Promise<void> {
    const all = [this.generic, ...this.byDataset.values()].filter(Boolean) as Promise<Zygote>[];
    this.byDataset.clear();
    this.generic = undefined;
    await Promise.all(all.map((p) => p.then((z) => z.close(graceMs)).catch(() => undefined)));
  }

  private async start(key: string, load: Record<string, unknown>): Promise<Zygote> {
    const z = new Zygote(this.python, this.script, `dataset ${key}`);
    await z.ready;
    const res = await z.request({ op: 'load', job_id: `load-${key}`, ...load });
    if (res.event !== 'loaded') {
      await z.close(1000);
      throw new DatasetLoadError(`the dataset could not be loaded: ${res.error ?? 'unknown error'}`);
    }
    z.sizes = { nTrain: res.n_train, nTest: res.n_test };
    this.logger.log(`dataset ${key} warm: ${res.n_train} train rows, ${res.n_test} test rows`);
    return z;
  }

  private async evict(keep: string): Promise<void> {
    if (this.byDataset.size <= this.maxWarm) return;
    const settled: [string, Zygote][] = [];
    for (const [k, p] of this.byDataset) {
      const z = await p.catch(() => undefined);
      if (z && k !== keep && z.running === 0) settled.push([k, z]);
    }
    settled.sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [k, z] of settled.slice(0, this.byDataset.size - this.maxWarm)) {
      this.byDataset.delete(k);
      void z.close();
    }
  }
}
