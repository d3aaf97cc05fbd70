import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { BlobService, sha256Hex } from '../blob/blob.service.js';
import { unsafeFileName } from '../common/file-name.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { JobQueueService, CANCEL_CHANNEL, type FoldOutcome } from '../jobs/job-queue.service.js';
import type { Job } from '../jobs/job.entity.js';
import { JOBS_CHANNEL } from '../jobs/jobs.service.js';
import { FileCache, type CachedFile } from './file-cache.js';
import { findPython } from './python.js';
import { DatasetLoadError, ZygotePool } from './zygote-pool.js';
import type { ResultEvent, Zygote } from './zygote.js';

interface Running {
  job: Job;
  zygote?: Zygote;
  startedAt: number;
  /** SIGTERM: kill it and give it back to the queue without counting the attempt. */
  handBack?: boolean;
  /** Its lease is gone (reaped, or the fold was replaced): never write its result. */
  lost?: boolean;
}

/** Walks up from this file to the project's runner/zygote.py (dist/src/runner or src/runner). */
function zygoteScript(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'runner', 'zygote.py');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('runner/zygote.py not found next to the service');
}

/**
 * Claims jobs from the database and runs them in warm, sandboxed Python processes:
 * DATARUN_RUNNER_SLOTS at a time, woken by NOTIFY and a 1 s poll, holding a lease it renews.
 */
@Injectable()
export class RunnerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Runner');
  readonly id = randomUUID();
  private readonly running = new Map<string, Running>();
  private pool!: ZygotePool;
  private cache!: FileCache;
  private workDir!: string;
  private listener?: PoolClient;
  private stopping = false;
  private filling = false;
  private refill = false;
  private jobsDone = 0;
  private readonly limits: Record<string, number>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly ds: DataSource,
    private readonly queue: JobQueueService,
    private readonly blobs: BlobService,
    private readonly scheduler: SchedulerRegistry,
  ) {
    const r = config.runner;
    this.limits = {
      memory_mb: r.jobMemoryMb, timeout_s: r.jobTimeoutS, nofile: 256, nproc: 256,
      fsize_mb: Math.max(1024, Math.ceil(config.maxFileBytes / 1048576)),
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    const script = zygoteScript();
    const python = await findPython(this.config.runner.python, path.dirname(path.dirname(script)));
    this.cache = new FileCache(path.join(this.config.dataDir, 'cache'), this.blobs);
    await this.cache.init();
    this.workDir = path.join(this.config.dataDir, 'work');
    await fs.rm(this.workDir, { recursive: true, force: true }); // workspaces of a previous, killed run
    await fs.mkdir(this.workDir, { recursive: true, mode: 0o711 });
    this.pool = new ZygotePool(python, script, this.config.runner.maxWarmDatasets);
    const ready = await (await this.pool.forSplits()).ready;
    for (const w of ready.sandbox.warnings ?? []) this.logger.warn(`sandbox: ${w}`);
    await this.queue.registerRunner({ id: this.id, host: hostname(), pid: process.pid, slots: this.config.runner.slots, python: `${python} (Python ${ready.python}, scikit-learn ${ready.sklearn})`, sandbox: { ...ready.sandbox } });
    await this.listen();

    const { leaseS } = this.config.runner;
    this.every('runner-poll', 1000, () => this.fill());
    this.every('runner-heartbeat', Math.max(200, (leaseS * 1000) / 3), () => this.heartbeat());
    this.every('runner-reaper', Math.max(500, (leaseS * 1000) / 2), async () => {
      const r = await this.queue.reap(this.config.runner.maxAttempts);
      if (r.requeued.length || r.failed.length) this.logger.warn(`reaper: ${r.requeued.length} job(s) of a dead runner re-queued, ${r.failed.length} failed`);
    });
    this.logger.log(`runner ${this.id} ready: ${this.config.runner.slots} slot(s), ${python}`);
    void this.fill();
  }

  /** SIGTERM: stop claiming, let running jobs finish within the grace period, hand back the rest. */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.pool) return;
    this.stopping = true;
    for (const name of this.scheduler.getIntervals()) if (name.startsWith('runner-')) this.scheduler.deleteInterval(name);
    const deadline = Date.now() + this.config.runner.shutdownGraceS * 1000;
    if (this.running.size) this.logger.log(`stopping: waiting up to ${this.config.runner.shutdownGraceS} s for ${this.running.size} job(s)`);
    while (this.running.size && Date.now() < deadline) await sleep(100);
    for (const r of this.running.values()) {
      r.handBack = true;
      r.zygote?.cancel(r.job.id);
    }
    while (this.running.size && Date.now() < deadline + 10_000) await sleep(50);
    this.listener?.release();
    await this.pool.closeAll(3000);
    await this.queue.unregisterRunner(this.id).catch(() => undefined);
  }

  /** Claims and starts jobs while slots are free. */
  private async fill(): Promise<void> {
    if (this.filling) {
      this.refill = true;
      return;
    }
    this.filling = true;
    try {
      do {
        this.refill = false;
        while (!this.stopping && this.running.size < this.config.runner.slots) {
          const job = await this.queue.claim(this.id, this.config.runner.leaseS);
          if (!job) break;
          const entry: Running = { job, startedAt: Date.now() };
          this.running.set(job.id, entry);
          void this.execute(entry);
        }
      } while (this.refill && !this.stopping);
    } catch (e) {
      this.logger.error(`claiming failed: ${(e as Error).message}`);
    } finally {
      this.filling = false;
    }
  }

  private async execute(entry: Running): Promise<void> {
    const { job } = entry;
    try {
      if (job.kind === 'fold') await this.runFold(entry);
      else await this.runSplit(entry);
    } catch (e) {
      const final = e instanceof DatasetLoadError;
      this.logger.error(`job ${job.id} (${job.kind}): ${(e as Error).message}`);
      if (final) await this.finishFold(entry, { ok: false, errorKind: 'infrastructure', error: (e as Error).message, log: '' });
      else await this.queue.release(job, this.id, `runner error: ${(e as Error).message}`, this.config.runner.maxAttempts, true).catch(() => undefined);
    } finally {
      await fs.rm(path.join(this.workDir, job.id), { recursive: true, force: true }).catch(() => undefined);
      this.running.delete(job.id);
      this.jobsDone++;
      void this.fill();
    }
  }

  private async runFold(entry: Running): Promise<void> {
    const { job } = entry;
    const [fold] = (await this.ds.query(`SELECT train_is, databoard_s_id FROM submission_fold WHERE task_id = $1`, [job.id])) as { train_is: string; databoard_s_id: number }[];
    if (!fold) return; // replaced meanwhile: its job row is gone with it
    const [raw] = (await this.ds.query(`SELECT id, is_custom, target_column, workflow_elements, n_train FROM raw_data WHERE id = $1`, [job.rawDataId])) as { id: number; is_custom: boolean; target_column: string; workflow_elements: string; n_train: number | null }[];
    const dataFiles = (await this.ds.query(
      `SELECT filename, sha256 FROM raw_data_file WHERE raw_data_id = $1 AND (kind = 'output' OR $2) ORDER BY kind, filename`,
      [job.rawDataId, raw.is_custom],
    )) as CachedFile[];
    const subFiles = (await this.ds.query(`SELECT filename, sha256 FROM submission_file WHERE submission_id = $1`, [fold.databoard_s_id])) as CachedFile[];

    const datasetDir = await this.cache.folder('datasets', dataFiles);
    const key = `${raw.id}-${path.basename(datasetDir)}`;
    const zygote = await this.pool.forDataset(key, {
      kind: raw.is_custom ? 'custom' : 'standard', dataset_dir: datasetDir, prepared_dir: path.join(datasetDir, '.prepared'),
      target_column: raw.target_column, workflow_elements: raw.workflow_elements,
    });
    if (raw.n_train === null && zygote.sizes) await this.queue.recordSizes(raw.id, zygote.sizes.nTrain, zygote.sizes.nTest);
    const submissionDir = await this.cache.folder('submissions', subFiles);
    // Progress writes go in order, and all land before the result (never TESTED → VALIDATED).
    let progress = Promise.resolve();
    const res = await this.request(entry, zygote, {
      op: 'run', job_id: job.id, submission_dir: submissionDir, workspace: path.join(this.workDir, job.id), train_is: fold.train_is, limits: this.limits,
    }, (state) => (progress = progress.then(() => this.queue.progress(job.id, this.id, state)).catch(() => undefined)));
    await progress;
    if (!res) return;
    await this.finishFold(entry, {
      ok: res.ok, errorKind: res.error_kind, error: res.error, log: res.log,
      fullTrainPredictions: res.full_train_predictions, testPredictions: res.test_predictions, metrics: res.metrics,
    });
  }

  private async runSplit(entry: Running): Promise<void> {
    const { job } = entry;
    const inputs = (await this.ds.query(`SELECT filename, sha256 FROM raw_data_file WHERE raw_data_id = $1 AND kind = 'input'`, [job.rawDataId])) as CachedFile[];
    const ws = path.join(this.workDir, job.id);
    await fs.mkdir(ws, { recursive: true, mode: 0o700 });
    const zygote = await this.pool.forSplits();
    let res: ResultEvent | undefined;
    let outDir: string;
    const before = new Map(inputs.map((f) => [f.filename, f.sha256]));
    if (job.kind === 'split') {
      const inDir = await this.cache.folder('inputs', inputs);
      outDir = path.join(ws, 'out');
      res = await this.request(entry, zygote, {
        op: 'split', job_id: job.id, data_file: path.join(inDir, inputs[0].filename), out_dir: outDir,
        held_out_test: job.params.held_out_test, random_state: job.params.random_state ?? 42, limits: this.limits,
      });
      before.clear();
    } else {
      outDir = path.join(ws, 'data');
      await fs.cp(await this.cache.folder('inputs', inputs), outDir, { recursive: true });
      await fs.rm(path.join(outDir, '.complete'), { force: true });
      res = await this.request(entry, zygote, { op: 'customsplit', job_id: job.id, dataset_dir: outDir, limits: this.limits });
    }
    if (!res) return;
    const outputs: { filename: string; content: Buffer }[] = [];
    if (res.ok) {
      for (const d of await fs.readdir(outDir, { withFileTypes: true })) {
        if (!d.isFile() || unsafeFileName(d.name) || d.name.startsWith('.')) continue;
        const content = await fs.readFile(path.join(outDir, d.name));
        if (content.length > this.config.maxFileBytes) continue;
        if (before.get(d.name) === sha256Hex(content)) continue; // an input left as it was
        outputs.push({ filename: d.name, content });
      }
    }
    const error = res.ok ? null : [res.error, res.log].filter(Boolean).join('\n').slice(-65536);
    const csv = (name: string) => outputs.find((o) => o.filename === name)?.content;
    const [trainCsv, testCsv] = [csv('train.csv'), csv('test.csv')];
    const sizes = job.kind === 'split' && trainCsv && testCsv ? { nTrain: csvRecords(trainCsv), nTest: csvRecords(testCsv) } : undefined;
    const accepted = await this.queue.finishSplit(job, this.id, res.ok, error, res.ok ? null : res.error_kind ?? 'submission', outputs, sizes);
    if (!accepted) this.logger.warn(`split ${job.id}: result refused, this runner no longer holds the job`);
  }

  /**
   * Sends a job to a zygote; resolves with its result, or undefined when the result must not
   * be recorded (handed back at shutdown, or the lease is lost).
   */
  private async request(entry: Running, zygote: Zygote, cmd: { op: string; job_id: string; [k: string]: unknown }, onProgress?: (s: 'TRAINED' | 'VALIDATED') => void): Promise<ResultEvent | undefined> {
    entry.zygote = zygote;
    zygote.running++;
    let res;
    try {
      res = (await zygote.request(cmd, onProgress)) as ResultEvent;
    } finally {
      zygote.running--;
    }
    if (entry.lost) return undefined;
    if (entry.handBack) {
      await this.queue.release(entry.job, this.id, 'runner stopped', this.config.runner.maxAttempts, false);
      return undefined;
    }
    if (!res.ok && res.error_kind === 'infrastructure') {
      const outcome = await this.queue.release(entry.job, this.id, `runner trouble: ${res.error}`, this.config.runner.maxAttempts, true);
      this.logger.warn(`job ${entry.job.id}: infrastructure failure (${res.error}); ${outcome}`);
      return undefined;
    }
    return res;
  }

  private async finishFold(entry: Running, outcome: FoldOutcome): Promise<void> {
    if (!(await this.queue.finishFold(entry.job, this.id, outcome))) {
      this.logger.warn(`fold ${entry.job.id}: result refused, this runner no longer holds the job`);
    }
  }

  private async heartbeat(): Promise<void> {
    const held = await this.queue.heartbeat({ id: this.id, busy: this.running.size, jobsDone: this.jobsDone }, this.config.runner.leaseS);
    const byId = new Map(held.map((h) => [h.id, h]));
    for (const r of this.running.values()) {
      const h = byId.get(r.job.id);
      if (h?.cancel_requested) r.zygote?.cancel(r.job.id);
      // Claimed more than a moment ago and no longer ours: reaped, or its fold was replaced.
      if (!h && Date.now() - r.startedAt > 2000 && !r.lost) {
        r.lost = true;
        r.zygote?.cancel(r.job.id);
        this.logger.warn(`job ${r.job.id}: lease lost, killed`);
      }
    }
  }

  private async listen(): Promise<void> {
    const pool = (this.ds.driver as unknown as { master: { connect(): Promise<PoolClient> } }).master;
    const client = await pool.connect();
    client.on('notification', (msg) => {
      if (msg.channel === CANCEL_CHANNEL && msg.payload) this.running.get(msg.payload)?.zygote?.cancel(msg.payload);
      else void this.fill();
    });
    client.on('error', (e) => {
      this.logger.warn(`LISTEN connection lost (${e.message}); polling until it is back`);
      this.listener = undefined;
      setTimeout(() => void this.listen().catch(() => undefined), 1000).unref();
    });
    await client.query(`LISTEN ${JOBS_CHANNEL}`);
    await client.query(`LISTEN ${CANCEL_CHANNEL}`);
    this.listener = client;
  }

  private every(name: string, ms: number, fn: () => Promise<void>): void {
    let busy = false;
    const handle = setInterval(() => {
      if (busy) return;
      busy = true;
      fn().catch((e) => this.logger.error(`${name}: ${(e as Error).message}`)).finally(() => (busy = false));
    }, ms);
    this.scheduler.addInterval(name, handle);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Data rows of a CSV with a header line (newlines inside quoted fields do not count). */
export function csvRecords(csv: Buffer): number {
  let lines = 0;
  let quoted = false;
  for (let i = 0; i < csv.length; i++) {
    const c = csv[i];
    if (c === 0x22) quoted = !quoted;
    else if (c === 0x0a && !quoted) lines++;
  }
  if (csv.length && csv[csv.length - 1] !== 0x0a) lines++;
  return Math.max(0, lines - 1);
}
