import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An intake batch says what its delivery was: the regular flow, the registry's initial load, or a
 * history import (`?load=` on the exchange request). Kept on the batch, not on the logged records,
 * which are append-only; the monitor and the timeliness indicator leave loads out of what is late.
 */
export class AddIntakeBatchLoad1765300000000 implements MigrationInterface {
  name = 'AddIntakeBatchLoad1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE intake_batch ADD COLUMN load text NOT NULL DEFAULT 'regular' CHECK (load IN ('regular', 'initial', 'history'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE intake_batch DROP COLUMN load`);
  }
}
