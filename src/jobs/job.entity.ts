import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type JobKind = 'split' | 'customsplit' | 'fold';
export type JobParams = Record<string, string | number | boolean | null>;
export const ERROR_KINDS = ['submission', 'timeout', 'memory', 'cancelled', 'infrastructure'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];
export type JobStatus = 'queued' | 'running' | 'done' | 'error' | 'cancelled';

/**
 * Queue rank: lower runs first. Splits go before folds (folds wait for them anyway),
 * then high-priority folds, then low.
 */
export const JOB_RANK = { split: 0, H: 1, L: 2 } as const;

/** A unit of work for the runner: a dataset split or a fold. Its id is the `task_id` clients see. */
@Entity('job')
export class Job {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'varchar', length: 16 })
  kind: JobKind;

  @Column({ name: 'raw_data_id', type: 'int' })
  rawDataId: number;

  @Column({ name: 'submission_fold_id', type: 'int', nullable: true })
  submissionFoldId: number | null;

  @Column({ type: 'smallint' })
  rank: number;

  @Column({ type: 'jsonb', default: {} })
  params: JobParams;

  @Column({ type: 'varchar', length: 12, default: 'queued' })
  status: JobStatus;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  /** Strict FIFO order within a rank (timestamps can tie). */
  @Column({ type: 'bigint', insert: false, update: false, transformer: { to: (v: number) => v, from: (v: string) => Number(v) } })
  seq: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  /** The runner holding the lease while running; the last one that ran it afterwards. */
  @Column({ name: 'runner_id', type: 'uuid', nullable: true })
  runnerId: string | null;

  @Column({ name: 'lease_expires_at', type: 'timestamptz', nullable: true })
  leaseExpiresAt: Date | null;

  /** Times a runner claimed it (a job whose runner died is claimed again). */
  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'error_kind', type: 'varchar', length: 16, nullable: true })
  errorKind: ErrorKind | null;

  @Column({ name: 'cancel_requested', type: 'boolean', default: false })
  cancelRequested: boolean;
}
