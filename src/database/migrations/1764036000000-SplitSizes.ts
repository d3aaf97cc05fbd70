import { MigrationInterface, QueryRunner } from 'typeorm';

/** Row counts of a dataset's split, so clients can generate folds without downloading it. */
export class SplitSizes1764036000000 implements MigrationInterface {
  name = 'SplitSizes1764036000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE raw_data ADD COLUMN n_train int, ADD COLUMN n_test int`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE raw_data DROP COLUMN n_train, DROP COLUMN n_test`);
  }
}
