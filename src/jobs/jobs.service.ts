import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, In, Repository } from 'typeorm';
import { Job, JOB_RANK, type JobKind, type JobParams } from './job.entity.js';

/** Channel a runner LISTENs on to start new work at once. */
export const JOBS_CHANNEL = 'datarun_jobs';

/** Records work for the runner; the runner module claims it. */
@Injectable()
export class JobsService {
  constructor(@InjectRepository(Job) private readonly jobs: Repository<Job>) {}

  async enqueueSplit(manager: EntityManager, rawDataId: number, kind: Extract<JobKind, 'split' | 'customsplit'>, params: JobParams): Promise<string> {
    return this.enqueue(manager, { id: randomUUID(), kind, rawDataId, submissionFoldId: null, rank: JOB_RANK.split, params });
  }

  async enqueueFold(manager: EntityManager, taskId: string, rawDataId: number, foldId: number, priority: 'L' | 'H'): Promise<string> {
    return this.enqueue(manager, { id: taskId, kind: 'fold', rawDataId, submissionFoldId: foldId, rank: JOB_RANK[priority], params: {} });
  }

  /** The most recent split request of a dataset, if any. */
  latestSplit(rawDataId: number): Promise<Job | null> {
    return this.jobs.findOne({ where: { rawDataId, kind: In(['split', 'customsplit']) }, order: { seq: 'DESC' } });
  }

  byIds(ids: string[]): Promise<Job[]> {
    return ids.length ? this.jobs.find({ where: { id: In(ids) } }) : Promise.resolve([]);
  }

  /** 1-based place among the jobs a runner would claim first; null unless it is queued. */
  async queuePosition(job: Job): Promise<{ position: number | null; waitingForSplit: boolean }> {
    if (job.status !== 'queued') return { position: null, waitingForSplit: false };
    const [row] = (await this.jobs.query(
      `SELECT (SELECT split_done_at IS NULL FROM raw_data WHERE id = $3) AND $4 AS waiting,
              (SELECT count(*) FROM job j WHERE j.status = 'queued' AND (j.rank, j.seq) < ($1, $2)) + 1 AS position`,
      [job.rank, job.seq, job.rawDataId, job.kind === 'fold'],
    )) as { waiting: boolean; position: string }[];
    return { position: Number(row.position), waitingForSplit: row.waiting };
  }

  private async enqueue(manager: EntityManager, job: Pick<Job, 'id' | 'kind' | 'rawDataId' | 'submissionFoldId' | 'rank' | 'params'>): Promise<string> {
    await manager.insert(Job, { ...job, status: 'queued' });
    // Delivered when the transaction commits, so a runner never sees uncommitted work.
    await manager.query('SELECT pg_notify($1, $2)', [JOBS_CHANNEL, job.kind]);
    return job.id;
  }
}
