import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A township user without a region passed the old check (a CHECK whose expression is NULL passes):
 * such a user would have no scope at all. The township's code is now required outright.
 */
export class TownshipUserHasRegion1765400000000 implements MigrationInterface {
  name = 'TownshipUserHasRegion1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE staff_user DROP CONSTRAINT staff_user_township_has_region`);
    await q.query(`ALTER TABLE staff_user ADD CONSTRAINT staff_user_township_has_region
      CHECK (role <> 'township' OR (region_code IS NOT NULL AND region_code ~ '^[0-9]{9}$'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE staff_user DROP CONSTRAINT staff_user_township_has_region`);
    await q.query(`ALTER TABLE staff_user ADD CONSTRAINT staff_user_township_has_region CHECK (role <> 'township' OR region_code ~ '^[0-9]{9}$')`);
  }
}
