import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * split_at: when a batch the database refused whole was committed in parts around the records at fault.
 * Like a revived batch, its messages may then be part processed, so its pending ones are probed one by one.
 */
export class IntakeBatchSplit1765000000000 implements MigrationInterface {
  name = 'IntakeBatchSplit1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE intake_batch ADD COLUMN split_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE intake_batch DROP COLUMN split_at`);
  }
}
