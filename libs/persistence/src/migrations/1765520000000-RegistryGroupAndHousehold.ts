import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A family card may name the villagers' group (村民小组) and the police household number (户号)
 * of the woman's household: what a spot check's sampling frame groups its households by.
 */
export class RegistryGroupAndHousehold1765520000000 implements MigrationInterface {
  name = 'RegistryGroupAndHousehold1765520000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE registry_card_version ADD COLUMN group_code text, ADD COLUMN household_number text`);
    await q.query(`ALTER TABLE registry_woman ADD COLUMN group_code text, ADD COLUMN household_number text`);
    // The frame reads a township's current cards village by village.
    await q.query(`CREATE INDEX registry_woman_region ON registry_woman (region_code)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX registry_woman_region`);
    await q.query(`ALTER TABLE registry_woman DROP COLUMN group_code, DROP COLUMN household_number`);
    await q.query(`ALTER TABLE registry_card_version DROP COLUMN group_code, DROP COLUMN household_number`);
  }
}
