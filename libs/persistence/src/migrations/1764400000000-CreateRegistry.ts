import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The family-planning registry. Every card version is kept with the message behind it
 * (registry_card_version; its husband and children are that message's facts), and the current
 * registry — the highest version of each card — is kept as relational rows for reconciliation.
 */
export class CreateRegistry1764400000000 implements MigrationInterface {
  name = 'CreateRegistry1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE registry_card_version (
        card_id text NOT NULL,
        version integer NOT NULL,
        message_id uuid NOT NULL REFERENCES inbound_message (id),
        event_date date NOT NULL,
        received_at timestamptz NOT NULL,
        region_code text NOT NULL,
        woman_citizen_id text,
        woman_citizen_id_valid boolean NOT NULL,
        woman_name text,
        woman_birth_date date,
        hukou_region_code text,
        marital_status text NOT NULL,
        marriage_date date,
        residence_status text NOT NULL,
        PRIMARY KEY (card_id, version)
      )`);
    await q.query(`CREATE INDEX registry_card_version_event_date ON registry_card_version (event_date)`);
    await q.query(`
      CREATE TABLE registry_woman (
        card_id text PRIMARY KEY,
        version integer NOT NULL,
        message_id uuid NOT NULL REFERENCES inbound_message (id),
        event_date date NOT NULL,
        region_code text NOT NULL,
        township_code text NOT NULL,
        citizen_id text,
        citizen_id_valid boolean NOT NULL,
        name text,
        birth_date date,
        hukou_region_code text,
        marital_status text NOT NULL,
        marriage_date date,
        residence_status text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX registry_woman_citizen ON registry_woman (citizen_id)`);
    await q.query(`CREATE INDEX registry_woman_township ON registry_woman (township_code)`);
    await q.query(`
      CREATE TABLE registry_husband (
        card_id text PRIMARY KEY REFERENCES registry_woman (card_id) ON DELETE CASCADE,
        citizen_id text,
        citizen_id_valid boolean NOT NULL,
        name text,
        birth_date date
      )`);
    await q.query(`CREATE INDEX registry_husband_citizen ON registry_husband (citizen_id)`);
    await q.query(`
      CREATE TABLE registry_child (
        card_id text NOT NULL REFERENCES registry_woman (card_id) ON DELETE CASCADE,
        ordinal smallint NOT NULL,
        citizen_id text,
        citizen_id_valid boolean NOT NULL,
        name text,
        sex char(1) NOT NULL,
        birth_date date NOT NULL,
        birth_order smallint NOT NULL,
        policy_compliant boolean NOT NULL,
        PRIMARY KEY (card_id, ordinal)
      )`);
    await q.query(`CREATE INDEX registry_child_citizen ON registry_child (citizen_id) WHERE citizen_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE registry_child, registry_husband, registry_woman, registry_card_version`);
  }
}
