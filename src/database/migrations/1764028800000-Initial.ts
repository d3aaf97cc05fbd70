import { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1764028800000 implements MigrationInterface {
  name = 'Initial1764028800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE app_user (
        id serial PRIMARY KEY,
        username varchar(150) NOT NULL UNIQUE,
        password_hash text NOT NULL,
        is_admin boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE api_token (
        id serial PRIMARY KEY,
        user_id int NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
        name varchar(100) NOT NULL DEFAULT '',
        token_hash char(64) NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      );
      CREATE INDEX api_token_user_idx ON api_token(user_id);

      CREATE TABLE file_blob (
        sha256 char(64) PRIMARY KEY,
        size bigint NOT NULL CHECK (size >= 0),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE file_blob_chunk (
        sha256 char(64) NOT NULL REFERENCES file_blob(sha256) ON DELETE CASCADE,
        seq int NOT NULL,
        data bytea NOT NULL,
        PRIMARY KEY (sha256, seq)
      );

      CREATE TABLE raw_data (
        id serial PRIMARY KEY,
        name varchar(40) NOT NULL UNIQUE,
        files_path varchar(255) NOT NULL,
        workflow_elements text NOT NULL,
        target_column text NOT NULL,
        is_custom boolean NOT NULL DEFAULT false,
        split_done_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE raw_data_file (
        raw_data_id int NOT NULL REFERENCES raw_data(id) ON DELETE CASCADE,
        kind varchar(16) NOT NULL CHECK (kind IN ('input', 'output')),
        filename varchar(255) NOT NULL,
        sha256 char(64) NOT NULL REFERENCES file_blob(sha256),
        PRIMARY KEY (raw_data_id, kind, filename)
      );

      CREATE TABLE submission (
        databoard_s_id int PRIMARY KEY,
        files_path varchar(255) NOT NULL,
        raw_data_id int NOT NULL REFERENCES raw_data(id),
        hash_files char(64) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX submission_raw_data_idx ON submission(raw_data_id);
      CREATE TABLE submission_file (
        submission_id int NOT NULL REFERENCES submission(databoard_s_id) ON DELETE CASCADE,
        filename varchar(255) NOT NULL,
        sha256 char(64) NOT NULL REFERENCES file_blob(sha256),
        PRIMARY KEY (submission_id, filename)
      );

      CREATE TABLE submission_fold (
        databoard_sf_id int PRIMARY KEY,
        databoard_s_id int NOT NULL REFERENCES submission(databoard_s_id) ON DELETE CASCADE,
        priority char(1) NOT NULL DEFAULT 'L' CHECK (priority IN ('L', 'H')),
        train_is text NOT NULL,
        test_is text NOT NULL,
        task_id uuid NOT NULL,
        full_train_predictions text,
        test_predictions text,
        state varchar(10) NOT NULL DEFAULT 'TODO' CHECK (state IN ('TODO', 'TRAINED', 'VALIDATED', 'TESTED', 'ERROR')),
        log_messages text NOT NULL DEFAULT '',
        train_time double precision NOT NULL DEFAULT 0,
        validation_time double precision NOT NULL DEFAULT 0,
        test_time double precision NOT NULL DEFAULT 0,
        train_cpu_time double precision NOT NULL DEFAULT 0,
        test_cpu_time double precision NOT NULL DEFAULT 0,
        train_memory double precision NOT NULL DEFAULT 0,
        test_memory double precision NOT NULL DEFAULT 0,
        new boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX submission_fold_submission_idx ON submission_fold(databoard_s_id);
      -- testpredictions/new scans exactly these rows
      CREATE INDEX submission_fold_new_tested_idx ON submission_fold(databoard_sf_id) WHERE new AND state = 'TESTED';

      CREATE TABLE job (
        id uuid PRIMARY KEY,
        kind varchar(16) NOT NULL CHECK (kind IN ('split', 'customsplit', 'fold')),
        raw_data_id int NOT NULL REFERENCES raw_data(id) ON DELETE CASCADE,
        submission_fold_id int REFERENCES submission_fold(databoard_sf_id) ON DELETE CASCADE,
        rank smallint NOT NULL,
        params jsonb NOT NULL DEFAULT '{}',
        status varchar(12) NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'error', 'cancelled')),
        error text,
        seq bigserial NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      );
      CREATE INDEX job_queue_idx ON job(rank, seq) WHERE status = 'queued';
      CREATE INDEX job_raw_data_idx ON job(raw_data_id, kind);
      CREATE INDEX job_fold_idx ON job(submission_fold_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE job, submission_fold, submission_file, submission, raw_data_file, raw_data,
      file_blob_chunk, file_blob, api_token, app_user`);
  }
}
