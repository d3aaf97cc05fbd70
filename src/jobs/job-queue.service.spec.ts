import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/test-db.js';
import { BlobService } from '../blob/blob.service.js';
import { openDataSource } from '../database/database.js';
import { JobQueueService } from './job-queue.service.js';

describe('JobQueueService (real PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let queue: JobQueueService;
  const A = randomUUID();
  const B = randomUUID();

  async function fold(id: number, priority: 'L' | 'H' = 'L', splitDone = true): Promise<string> {
    const taskId = randomUUID();
    await db.query(`INSERT INTO raw_data (id, name, files_path, workflow_elements, target_column, split_done_at) VALUES ($1, $2, '', 'classifier', 'y', $3) ON CONFLICT DO NOTHING`, [id, `d${id}`, splitDone ? new Date() : null]);
    await db.query(`INSERT INTO submission (databoard_s_id, files_path, raw_data_id, hash_files) VALUES ($1, '', $1, '') ON CONFLICT DO NOTHING`, [id]);
    await db.query(`INSERT INTO submission_fold (databoard_sf_id, databoard_s_id, priority, train_is, test_is, task_id) VALUES ($1, $1, $2, '', '', $3)`, [id, priority, taskId]);
    await db.query(`INSERT INTO job (id, kind, raw_data_id, submission_fold_id, rank) VALUES ($1, 'fold', $2, $2, $3)`, [taskId, id, priority === 'H' ? 1 : 2]);
    return taskId;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await openDataSource(db.url);
    queue = new JobQueueService(ds, new BlobService(ds));
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('claims by priority then age, skips folds whose dataset is not split, never hands one job to two claimers', async () => {
    const waiting = await fold(1, 'H', false);
    const l = await fold(2, 'L');
    const h = await fold(3, 'H');
    const claims = await Promise.all(Array.from({ length: 6 }, (_, i) => queue.claim(i % 2 ? A : B, 30)));
    const got = claims.filter(Boolean).map((j) => j!.id);
    expect(got.sort()).toEqual([l, h].sort());
    expect(got).not.toContain(waiting);
    await db.query(`UPDATE job SET status = 'done' WHERE id = ANY($1::uuid[])`, [[l, h]]);
    await db.query(`DELETE FROM job WHERE id = $1`, [waiting]);
  });

  it('refuses the result of a runner whose lease expired and whose job another runner took over', async () => {
    const id = await fold(10);
    const first = (await queue.claim(A, 1))!;
    expect(first.id).toBe(id);
    await new Promise((r) => setTimeout(r, 1200));
    expect(await queue.reap(3)).toEqual({ requeued: [id], failed: [] });
    const second = (await queue.claim(B, 30))!;
    expect(second).toMatchObject({ id, attempts: 2, runnerId: B });
    expect(await queue.finishFold(first, A, { ok: true, log: 'late', testPredictions: 'stale' })).toBe(false);
    expect(await queue.finishFold(second, B, { ok: true, log: '', testPredictions: 'fresh', metrics: { train_time: 0.5 } })).toBe(true);
    const [row] = await db.query<{ state: string; test_predictions: string; train_time: number }>(`SELECT state, test_predictions, train_time FROM submission_fold WHERE databoard_sf_id = 10`);
    expect(row).toEqual({ state: 'TESTED', test_predictions: 'fresh', train_time: 0.5 });
  });

  it('fails a job as infrastructure once its runners died DATARUN_MAX_ATTEMPTS times', async () => {
    const id = await fold(20);
    for (let i = 0; i < 2; i++) {
      await queue.claim(A, 0.2);
      await new Promise((r) => setTimeout(r, 300));
      await queue.reap(2);
    }
    const [job] = await db.query<{ status: string; error_kind: string; attempts: number }>(`SELECT status, error_kind, attempts FROM job WHERE id = $1`, [id]);
    expect(job).toEqual({ status: 'error', error_kind: 'infrastructure', attempts: 2 });
    const [f] = await db.query<{ state: string; log_messages: string }>(`SELECT state, log_messages FROM submission_fold WHERE databoard_sf_id = 20`);
    expect(f.state).toBe('ERROR');
    expect(f.log_messages).toMatch(/stopped answering 2 times/);
  });

  it('hands a job back at shutdown without counting the attempt', async () => {
    const id = await fold(30);
    const job = (await queue.claim(A, 30))!;
    expect(await queue.release(job, A, 'runner stopped', 3, false)).toBe('queued');
    const [row] = await db.query<{ status: string; attempts: number }>(`SELECT status, attempts FROM job WHERE id = $1`, [id]);
    expect(row).toEqual({ status: 'queued', attempts: 0 });
    expect(await queue.release(job, A, 'again', 3, false)).toBe('stale');
  });
});
