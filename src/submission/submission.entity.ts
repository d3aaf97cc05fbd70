import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity('submission')
export class Submission {
  /** Chosen by the client (databoard's id). */
  @PrimaryColumn({ name: 'databoard_s_id', type: 'int' })
  databoardSId: number;

  @Column({ name: 'files_path', type: 'varchar', length: 255 })
  filesPath: string;

  @Column({ name: 'raw_data_id', type: 'int' })
  rawDataId: number;

  @Column({ name: 'hash_files', type: 'char', length: 64 })
  hashFiles: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

@Entity('submission_file')
export class SubmissionFile {
  @PrimaryColumn({ name: 'submission_id', type: 'int' })
  submissionId: number;

  @PrimaryColumn({ type: 'varchar', length: 255 })
  filename: string;

  @Column({ type: 'char', length: 64 })
  sha256: string;
}
