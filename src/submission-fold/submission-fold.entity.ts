import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export const FOLD_STATES = ['TODO', 'TRAINED', 'VALIDATED', 'TESTED', 'ERROR'] as const;
export type FoldState = (typeof FOLD_STATES)[number];
export const PRIORITIES = ['L', 'H'] as const;
export type Priority = (typeof PRIORITIES)[number];

const float = { type: 'double precision' as const, default: 0 };

@Entity('submission_fold')
export class SubmissionFold {
  /** Chosen by the client (databoard's id). */
  @PrimaryColumn({ name: 'databoard_sf_id', type: 'int' })
  databoardSfId: number;

  @Column({ name: 'databoard_s_id', type: 'int' })
  databoardSId: number;

  @Column({ type: 'char', length: 1, default: 'L' })
  priority: Priority;

  /** base64(zlib(int64 LE)), as posted. */
  @Column({ name: 'train_is', type: 'text' })
  trainIs: string;

  @Column({ name: 'test_is', type: 'text' })
  testIs: string;

  /** Id of the job that trains this fold (table job). */
  @Column({ name: 'task_id', type: 'uuid' })
  taskId: string;

  @Column({ name: 'full_train_predictions', type: 'text', nullable: true })
  fullTrainPredictions: string | null;

  @Column({ name: 'test_predictions', type: 'text', nullable: true })
  testPredictions: string | null;

  @Column({ type: 'varchar', length: 10, default: 'TODO' })
  state: FoldState;

  @Column({ name: 'log_messages', type: 'text', default: '' })
  logMessages: string;

  @Column({ name: 'train_time', ...float }) trainTime: number;
  @Column({ name: 'validation_time', ...float }) validationTime: number;
  @Column({ name: 'test_time', ...float }) testTime: number;
  @Column({ name: 'train_cpu_time', ...float }) trainCpuTime: number;
  @Column({ name: 'test_cpu_time', ...float }) testCpuTime: number;
  @Column({ name: 'train_memory', ...float }) trainMemory: number;
  @Column({ name: 'test_memory', ...float }) testMemory: number;

  /** True until its predictions have been handed out once. */
  @Column({ type: 'boolean', default: true })
  new: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
