import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

@Entity('raw_data')
export class RawData {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 40, unique: true })
  name: string;

  @Column({ name: 'files_path', type: 'varchar', length: 255 })
  filesPath: string;

  @Column({ name: 'workflow_elements', type: 'text' })
  workflowElements: string;

  @Column({ name: 'target_column', type: 'text' })
  targetColumn: string;

  /** A specific.py came with the data: split with customsplit, folds through its functions. */
  @Column({ name: 'is_custom', type: 'boolean', default: false })
  isCustom: boolean;

  /** Set when a split succeeded; folds of this dataset are runnable from then on. */
  @Column({ name: 'split_done_at', type: 'timestamptz', nullable: true })
  splitDoneAt: Date | null;

  /** Rows of train.csv / test.csv once split (null for custom datasets until a runner loads them). */
  @Column({ name: 'n_train', type: 'int', nullable: true })
  nTrain: number | null;

  @Column({ name: 'n_test', type: 'int', nullable: true })
  nTest: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

export type RawDataFileKind = 'input' | 'output';

/** A file of a dataset: as posted (`input`) or written by its split (`output`). */
@Entity('raw_data_file')
export class RawDataFile {
  @PrimaryColumn({ name: 'raw_data_id', type: 'int' })
  rawDataId: number;

  @PrimaryColumn({ type: 'varchar', length: 16 })
  kind: RawDataFileKind;

  @PrimaryColumn({ type: 'varchar', length: 255 })
  filename: string;

  @Column({ type: 'char', length: 64 })
  sha256: string;
}
