import { MigrationInterface, QueryRunner } from 'typeorm';

/** Runners, leases and why a job failed. */
export class Runner1764032400000 implements MigrationInterface {
  name = 'Runner1764032400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE runner (
        id uuid PRIMARY KEY,
        host text NOT NULL,
        pid int NOT NULL,
        slots int NOT NULL,
        busy int NOT NULL DEFAULT 0,
        jobs_done int NOT NULL DEFAULT 0,
        python text NOT NULL DEFAULT '',
        sandbox jsonb NOT NULL DEFAULT '{}',
        started_at timestamptz NOT NULL DEFAULT now(),
        heartbeat_at timestamptz NOT NULL DEFAULT now()
      );
      ALTER TABLE job
        ADD COLUMN runner_id uuid,
        ADD COLUMN lease_expires_at timestamptz,
        ADD COLUMN attempts int NOT NULL DEFAULT 0,
        ADD COLUMN started_at timestamptz,
        ADD COLUMN error_kind varchar(16) CHECK (error_kind IN ('submission', 'timeout', 'memory', 'cancelled', 'infrastructure')),
        ADD COLUMN cancel_requested boolean NOT NULL DEFAULT false;
      -- the reaper scans running jobs by lease
      CREATE INDEX job_running_lease_idx ON job(lease_expires_at) WHERE status = 'running';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX job_running_lease_idx;
      ALTER TABLE job DROP COLUMN runner_id, DROP COLUMN lease_expires_at, DROP COLUMN attempts, DROP COLUMN started_at,
        DROP COLUMN error_kind, DROP COLUMN cancel_requested;
      DROP TABLE runner;
    `);
  }
}
