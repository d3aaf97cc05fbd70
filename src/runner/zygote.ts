import { Logger } from '@nestjs/common';
import { JsonLinesProcess } from '../common/process.js';
import type { ErrorKind } from '../jobs/job.entity.js';

export interface SandboxInfo {
  root?: boolean;
  netns?: boolean;
  pidns?: boolean;
  mountns?: boolean;
  setuid?: boolean;
  warnings?: string[];
}

export interface ReadyEvent {
  event: 'ready';
  pid: number;
  python: string;
  sklearn: string;
  sandbox: SandboxInfo;
}

export interface ResultEvent {
  event: 'result';
  job_id: string;
  ok: boolean;
  error_kind?: ErrorKind;
  error?: string;
  state_reached?: string;
  full_train_predictions?: string;
  test_predictions?: string;
  metrics: Record<string, number | null>;
  log: string;
}

export interface LoadedEvent {
  event: 'loaded';
  job_id: string;
  n_train: number;
  n_test: number;
}

type ZygoteEvent =
  | ReadyEvent
  | ResultEvent
  | { event: 'progress'; job_id: string; state: 'TRAINED' | 'VALIDATED' }
  | LoadedEvent
  | { event: 'error'; job_id: string | null; error: string };

interface Pending {
  resolve(e: ResultEvent | LoadedEvent): void;
  onProgress?(state: 'TRAINED' | 'VALIDATED'): void;
}

export const RUNNER_SCRIPT_ENV = {
  OMP_NUM_THREADS: '1',
  OPENBLAS_NUM_THREADS: '1',
  NUMEXPR_NUM_THREADS: '1',
  MKL_NUM_THREADS: '1',
  MALLOC_ARENA_MAX: '2',
};

/**
 * One warm Python process (runner/zygote.py): imports the scientific stack once, optionally
 * holds one dataset, and forks a sandboxed child per job. Every request resolves exactly
 * once: with the zygote's answer, or with an infrastructure failure if the process dies.
 */
export class Zygote {
  private readonly logger = new Logger('Zygote');
  private readonly proc: JsonLinesProcess<ZygoteEvent>;
  private readonly pending = new Map<string, Pending>();
  readonly ready: Promise<ReadyEvent>;
  running = 0;
  /** Rows of the loaded dataset. */
  sizes?: { nTrain: number; nTest: number };
  lastUsed = Date.now();

  constructor(python: string, script: string, readonly label: string) {
    let onReady!: (e: ReadyEvent) => void;
    let onFail!: (e: Error) => void;
    this.ready = new Promise<ReadyEvent>((resolve, reject) => ((onReady = resolve), (onFail = reject)));
    this.ready.catch(() => undefined);
    // Only what Python needs: nothing of the service's environment (DATABASE_URL, passwords).
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', ...RUNNER_SCRIPT_ENV };
    this.proc = new JsonLinesProcess<ZygoteEvent>(python, ['-u', script], { env }, (e) => {
      if (e.event === 'ready') onReady(e);
      else this.dispatch(e);
    }, (line) => this.logger.debug(`[${label}] ${line}`));
    void this.proc.exited.then((code) => {
      onFail(new Error(`runner python exited (${code}) before it was ready: ${this.proc.stderr.trim().slice(-2000)}`));
      for (const [jobId, p] of this.pending) {
        p.resolve({ event: 'result', job_id: jobId, ok: false, error_kind: 'infrastructure', error: `runner python exited (${code})`, metrics: {}, log: '' });
      }
      this.pending.clear();
    });
  }

  get alive(): boolean {
    return this.proc.alive;
  }

  /** Sends a job command; resolves with its result (or `loaded` for a load). */
  request(cmd: { op: string; job_id: string; [k: string]: unknown }, onProgress?: Pending['onProgress']): Promise<ResultEvent | LoadedEvent> {
    this.lastUsed = Date.now();
    return new Promise((resolve) => {
      this.pending.set(cmd.job_id, { resolve, onProgress });
      if (!this.alive) return this.fail(cmd.job_id, 'runner python is not running');
      this.proc.send(cmd);
    });
  }

  cancel(jobId: string): void {
    if (this.pending.has(jobId)) this.proc.send({ op: 'cancel', job_id: jobId });
  }

  /** Asks it to stop (running jobs end as cancelled), killing it after `graceMs`. */
  close(graceMs = 5000): Promise<void> {
    this.proc.send({ op: 'shutdown', job_id: 'shutdown' });
    return this.proc.close(graceMs);
  }

  private dispatch(e: Exclude<ZygoteEvent, ReadyEvent>): void {
    const p = e.job_id ? this.pending.get(e.job_id) : undefined;
    if (!p) return;
    if (e.event === 'progress') return p.onProgress?.(e.state);
    if (e.event === 'error') return this.fail(e.job_id!, e.error);
    this.pending.delete(e.job_id);
    p.resolve(e);
  }

  private fail(jobId: string, error: string): void {
    const p = this.pending.get(jobId);
    this.pending.delete(jobId);
    p?.resolve({ event: 'result', job_id: jobId, ok: false, error_kind: 'infrastructure', error, metrics: {}, log: '' });
  }
}
