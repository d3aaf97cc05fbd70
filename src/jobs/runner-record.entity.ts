import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A live runner process, kept fresh by its heartbeat (table runner). */
@Entity('runner')
export class RunnerRecord {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ type: 'text' }) host: string;
  @Column({ type: 'int' }) pid: number;
  @Column({ type: 'int' }) slots: number;
  @Column({ type: 'int', default: 0 }) busy: number;
  @Column({ name: 'jobs_done', type: 'int', default: 0 }) jobsDone: number;
  @Column({ type: 'text', default: '' }) python: string;
  @Column({ type: 'jsonb', default: {} }) sandbox: Record<string, unknown>;
  @Column({ name: 'started_at', type: 'timestamptz' }) startedAt: Date;
  @Column({ name: 'heartbeat_at', type: 'timestamptz' }) heartbeatAt: Date;
}
