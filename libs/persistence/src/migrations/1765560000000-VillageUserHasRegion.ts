import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A township user works for a township (乡镇计生办) or for one village (村专干): the region is a
 * 9-digit township or a 12-digit village code, and the scope follows its length.
 */
export class VillageUserHasRegion1765560000000 implements MigrationInterface {
  name = 'VillageUserHasRegion1765560000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE staff_user DROP CONSTRAINT staff_user_township_has_region`);
    await q.query(`ALTER TABLE staff_user ADD CONSTRAINT staff_user_township_has_region
      CHECK (role <> 'township' OR (region_code IS NOT NULL AND region_code ~ '^([0-9]{9}|[0-9]{12})$'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE staff_user DROP CONSTRAINT staff_user_township_has_region`);
    await q.query(`ALTER TABLE staff_user ADD CONSTRAINT staff_user_township_has_region
      CHECK (role <> 'township' OR (region_code IS NOT NULL AND region_code ~ '^[0-9]{9}$'))`);
  }
}
