import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { BlobService } from '../blob/blob.service.js';
import { rowToEntity } from '../database/row-mapper.js';
import { RawData, RawDataFile } from '../raw-data/raw-data.entity.js';
import { SubmissionFold, type FoldState } from '../submission-fold/submission-fold.entity.js';
import { Job, type ErrorKind } from './job.entity.js';
import { JOBS_CHANNEL } from './jobs.service.js';
import { RunnerRecord } from './runner-record.entity.js';

/** Channel on which the API asks the runner holding a job to kill it. */
export const CANCEL_CHANNEL = 'datarun_cancel';
const LOG_MAX = 64 * 1024;

/** Submission output is arbitrary bytes: PostgreSQL text cannot hold NUL. */
const clean = (s: string | null | undefined): string | null => (s == null ? null : s.replace(/\u0000/g, '\uFFFD'));

export interface FoldOutcome {
  ok: boolean;
  errorKind?: ErrorKind;
  error?: string;
  log: string;
  fullTrainPredictions?: string;
  testPredictions?: string;
  metrics?: Partial<Record<'train_time' | 'validation_time' | 'test_time' | 'train_cpu_time' | 'test_cpu_time' | 'train_memory' | 'test_memory', number | null>>;
}

export interface ReapReport {
  requeued: string[];
  failed: string[];
}

/**
 * The job queue in PostgreSQL: claiming (FOR UPDATE SKIP LOCKED, by rank then age),
 * leases renewed by heartbeat, results accepted only from the lease holder, and a reaper
 * for jobs whose runner died.
 */
@Injectable()
export class JobQueueService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly blobs: BlobService,
  ) {}

  /** Takes the next runnable job for `runnerId`, or null. Folds wait for their dataset's split. */
  async claim(runnerId: string, leaseS: number): Promise<Job | null> {
    const [rows] = (await this.ds.query(
      `UPDATE job SET status = 'running', runner_id = $1, lease_expires_at = now() + make_interval(secs => $2),
              attempts = attempts + 1, started_at = now(), error = NULL, error_kind = NULL
       WHERE id = (SELECT j.id FROM job j JOIN raw_data r ON r.id = j.raw_data_id
                   WHERE j.status = 'queued' AND (j.kind <> 'fold' OR r.split_done_at IS NOT NULL)
                   ORDER BY j.rank, j.seq LIMIT 1 FOR UPDATE OF j SKIP LOCKED)
       RETURNING *`,
      [runnerId, leaseS],
    )) as [Record<string, unknown>[], number];
    return rows.length ? rowToEntity(this.ds, Job, rows[0]) : null;
  }

  /** Renews the leases of the runner's jobs; returns the jobs it still holds, and whether a cancel was asked. */
  async heartbeat(runner: Pick<RunnerRecord, 'id' | 'busy' | 'jobsDone'>, leaseS: number): Promise<{ id: string; cancel_requested: boolean }[]> {
    await this.ds.query(`UPDATE runner SET heartbeat_at = now(), busy = $2, jobs_done = $3 WHERE id = $1`, [runner.id, runner.busy, runner.jobsDone]);
    const [rows] = (await this.ds.query(
      `UPDATE job SET lease_expires_at = now() + make_interval(secs => $2) WHERE runner_id = $1 AND status = 'running' RETURNING id, cancel_requested`,
      [runner.id, leaseS],
    )) as [{ id: string; cancel_requested: boolean }[], number];
    return rows;
  }

  /** Marks a fold TRAINED / VALIDATED while the runner still holds it. */
  async progress(jobId: string, runnerId: string, state: FoldState): Promise<void> {
    await this.ds.query(
      `UPDATE submission_fold f SET state = $3 FROM job j
       WHERE j.id = $1 AND j.runner_id = $2 AND j.status = 'running' AND f.task_id = j.id
         AND f.state IN ('TODO', 'TRAINED')`, // states only move forward
      [jobId, runnerId, state],
    );
  }

  /** Records a fold's outcome; false (nothing written) when `runnerId` no longer holds the job. */
  async finishFold(job: Job, runnerId: string, o: FoldOutcome): Promise<boolean> {
    return this.ds.transaction(async (m) => {
      if (!(await this.closeJob(m, job.id, runnerId, o.ok ? 'done' : 'error', clean(o.error), o.errorKind ?? null))) return false;
      const log = clean([o.log, o.ok ? '' : o.error ?? ''].filter(Boolean).join('\n').slice(-LOG_MAX))!;
      const metrics = Object.fromEntries(Object.entries(o.metrics ?? {}).map(([k, v]) => [k, typeof v === 'number' ? v : 0]));
      await m.update(SubmissionFold, { taskId: job.id }, {
        state: o.ok ? 'TESTED' : 'ERROR',
        logMessages: log,
        fullTrainPredictions: o.ok ? o.fullTrainPredictions ?? null : null,
        testPredictions: o.ok ? o.testPredictions ?? null : null,
        trainTime: metrics.train_time ?? 0,
        validationTime: metrics.validation_time ?? 0,
        testTime: metrics.test_time ?? 0,
        trainCpuTime: metrics.train_cpu_time ?? 0,
        testCpuTime: metrics.test_cpu_time ?? 0,
        trainMemory: metrics.train_memory ?? 0,
        testMemory: metrics.test_memory ?? 0,
        new: true,
      });
      return true;
    });
  }

  /**
   * Records a split's outcome: on success its output files replace the previous ones and
   * the dataset's folds become runnable. False when `runnerId` no longer holds the job.
   */
  async finishSplit(job: Job, runnerId: string, ok: boolean, error: string | null, errorKind: ErrorKind | null, outputs: { filename: string; content: Buffer }[], sizes?: { nTrain: number; nTest: number }): Promise<boolean> {
    return this.ds.transaction(async (m) => {
      if (!(await this.closeJob(m, job.id, runnerId, ok ? 'done' : 'error', clean(error), errorKind))) return false;
      if (!ok) return true;
      await m.delete(RawDataFile, { rawDataId: job.rawDataId, kind: 'output' });
      for (const o of outputs) {
        await m.insert(RawDataFile, { rawDataId: job.rawDataId, kind: 'output', filename: o.filename, sha256: await this.blobs.put(m, o.content) });
      }
      // Only the latest split request makes the dataset ready; an older one finishing late does not.
      const [latest] = await m.query(`SELECT id FROM job WHERE raw_data_id = $1 AND kind IN ('split', 'customsplit') ORDER BY seq DESC LIMIT 1`, [job.rawDataId]);
      if (latest?.id === job.id) {
        await m.update(RawData, { id: job.rawDataId }, { splitDoneAt: () => 'now()', nTrain: sizes?.nTrain ?? null, nTest: sizes?.nTest ?? null });
        await m.query('SELECT pg_notify($1, $2)', [JOBS_CHANNEL, 'split-done']);
      }
      return true;
    });
  }

  /**
   * Gives a job back to the queue (infrastructure trouble, or shutdown with `countAttempt`
   * false). After DATARUN_MAX_ATTEMPTS claims it ends in ERROR / infrastructure instead.
   */
  async release(job: Job, runnerId: string, reason: string, maxAttempts: number, countAttempt: boolean): Promise<'queued' | 'error' | 'stale'> {
    return this.ds.transaction(async (m) => {
      const [rows] = (await m.query(
        `UPDATE job SET attempts = attempts - $4::int,
                status = CASE WHEN attempts - $4::int >= $3 THEN 'error' ELSE 'queued' END,
                error_kind = CASE WHEN attempts - $4::int >= $3 THEN 'infrastructure' END,
                error = CASE WHEN attempts - $4::int >= $3 THEN $5 END,
                finished_at = CASE WHEN attempts - $4::int >= $3 THEN now() END,
                runner_id = CASE WHEN attempts - $4::int >= $3 THEN runner_id END,
                lease_expires_at = NULL
         WHERE id = $1 AND runner_id = $2 AND status = 'running' RETURNING status`,
        [job.id, runnerId, maxAttempts, countAttempt ? 0 : 1, `${reason} (after ${maxAttempts} attempts)`],
      )) as [{ status: string }[], number];
      if (!rows.length) return 'stale';
      if (rows[0].status === 'error') await this.failFold(m, job.id, `${reason} (after ${maxAttempts} attempts)`);
      else await m.query(`UPDATE submission_fold SET state = 'TODO' WHERE task_id = $1`, [job.id]);
      await m.query('SELECT pg_notify($1, $2)', [JOBS_CHANNEL, 'requeued']);
      return rows[0].status as 'queued' | 'error';
    });
  }

  /** Puts back jobs whose lease expired (their runner died), or fails them after too many attempts. */
  async reap(maxAttempts: number): Promise<ReapReport> {
    return this.ds.transaction(async (m) => {
      const [rows] = (await m.query(
        `UPDATE job SET
            status = CASE WHEN attempts >= $1 THEN 'error' ELSE 'queued' END,
            error_kind = CASE WHEN attempts >= $1 THEN 'infrastructure' END,
            error = CASE WHEN attempts >= $1 THEN 'its runner stopped answering ' || attempts || ' times' END,
            finished_at = CASE WHEN attempts >= $1 THEN now() END,
            runner_id = CASE WHEN attempts >= $1 THEN runner_id END,
            lease_expires_at = NULL
         WHERE status = 'running' AND lease_expires_at < now()
         RETURNING id, status, error`,
        [maxAttempts],
      )) as [{ id: string; status: string; error: string | null }[], number];
      for (const r of rows) {
        if (r.status === 'error') await this.failFold(m, r.id, r.error ?? 'runner lost');
        else await m.query(`UPDATE submission_fold SET state = 'TODO' WHERE task_id = $1`, [r.id]);
      }
      if (rows.some((r) => r.status === 'queued')) await m.query('SELECT pg_notify($1, $2)', [JOBS_CHANNEL, 'requeued']);
      await m.query(`DELETE FROM runner WHERE heartbeat_at < now() - interval '1 hour'`);
      return { requeued: rows.filter((r) => r.status === 'queued').map((r) => r.id), failed: rows.filter((r) => r.status === 'error').map((r) => r.id) };
    });
  }

  /**
   * Cancels a fold's job: a queued one at once, a running one by asking its runner
   * (NOTIFY, and the runner's heartbeat sees the flag too). Returns what happened.
   */
  async cancelFold(taskId: string): Promise<'cancelled' | 'requested' | 'finished'> {
    return this.ds.transaction(async (m) => {
      const [queued] = (await m.query(
        `UPDATE job SET status = 'cancelled', error_kind = 'cancelled', error = 'cancelled before it ran', finished_at = now()
         WHERE id = $1 AND status = 'queued' RETURNING id`,
        [taskId],
      )) as [unknown[], number];
      if (queued.length) {
        await this.failFold(m, taskId, 'cancelled before it ran');
        return 'cancelled';
      }
      const [running] = (await m.query(`UPDATE job SET cancel_requested = true WHERE id = $1 AND status = 'running' RETURNING id`, [taskId])) as [unknown[], number];
      if (running.length) {
        await m.query('SELECT pg_notify($1, $2)', [CANCEL_CHANNEL, taskId]);
        return 'requested';
      }
      return 'finished';
    });
  }

  /** Row counts learnt when a runner loads a dataset (custom datasets only know them then). */
  async recordSizes(rawDataId: number, nTrain: number, nTest: number): Promise<void> {
    await this.ds.query(`UPDATE raw_data SET n_train = $2, n_test = $3 WHERE id = $1 AND split_done_at IS NOT NULL`, [rawDataId, nTrain, nTest]);
  }

  async registerRunner(r: Pick<RunnerRecord, 'id' | 'host' | 'pid' | 'slots' | 'python' | 'sandbox'>): Promise<void> {
    await this.ds.query(`INSERT INTO runner (id, host, pid, slots, python, sandbox) VALUES ($1, $2, $3, $4, $5, $6)`, [r.id, r.host, r.pid, r.slots, r.python, JSON.stringify(r.sandbox)]);
  }

  async unregisterRunner(id: string): Promise<void> {
    await this.ds.query(`DELETE FROM runner WHERE id = $1`, [id]);
  }

  /** Runners whose heartbeat is younger than `staleS` seconds. */
  async liveRunners(staleS: number): Promise<RunnerRecord[]> {
    const rows = (await this.ds.query(`SELECT * FROM runner WHERE heartbeat_at > now() - make_interval(secs => $1) ORDER BY started_at`, [staleS])) as Record<string, unknown>[];
    return rows.map((r) => rowToEntity(this.ds, RunnerRecord, r));
  }

  private async closeJob(m: EntityManager, jobId: string, runnerId: string, status: 'done' | 'error', error: string | null, errorKind: ErrorKind | null): Promise<boolean> {
    const [rows] = (await m.query(
      `UPDATE job SET status = $3, error = $4, error_kind = $5, finished_at = now(), lease_expires_at = NULL
       WHERE id = $1 AND runner_id = $2 AND status = 'running' RETURNING id`,
      [jobId, runnerId, status, error, errorKind],
    )) as [unknown[], number];
    return rows.length === 1;
  }

  private async failFold(m: EntityManager, taskId: string, message: string): Promise<void> {
    await m.query(`UPDATE submission_fold SET state = 'ERROR', log_messages = $2 WHERE task_id = $1`, [taskId, message]);
  }
}
