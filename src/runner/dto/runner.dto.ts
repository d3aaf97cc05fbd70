import { ApiProperty } from '@nestjs/swagger';
import type { RunnerRecord } from '../../jobs/runner-record.entity.js';

export class RunnerDto {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'worker-1' }) host: string;
  @ApiProperty() pid: number;
  @ApiProperty({ description: 'Jobs it runs at once (DATARUN_RUNNER_SLOTS)' }) slots: number;
  @ApiProperty({ description: 'Jobs running now' }) busy: number;
  @ApiProperty() jobs_done: number;
  @ApiProperty() last_heartbeat: string;
  @ApiProperty() started_at: string;
  @ApiProperty() python: string;
  @ApiProperty({ type: [String], description: 'Sandbox features missing on its machine' }) sandbox_warnings: string[];

  static from(r: RunnerRecord): RunnerDto {
    return {
      id: r.id, host: r.host, pid: r.pid, slots: r.slots, busy: r.busy, jobs_done: r.jobsDone,
      last_heartbeat: r.heartbeatAt.toISOString(), started_at: r.startedAt.toISOString(), python: r.python,
      sandbox_warnings: Array.isArray(r.sandbox.warnings) ? (r.sandbox.warnings as string[]) : [],
    };
  }
}
