import { MigrationInterface, QueryRunner } from 'typeorm';

const EVIDENCE = ['inspection_freeze', 'inspection_draw', 'inspection_day_close', 'inspection_publication'];

/**
 * Spot-check campaigns (平时抽查) and their sealed lottery. A campaign's definition is written
 * once; what happens to it is evidence, kept append-only like the message log: the frozen
 * frame with its hash and the sealed seed's commitment, each day's draw with the public value it
 * mixed in, the leader closing a day, and the publication that reveals the seed. A campaign's
 * state follows from which of these rows exist, so nothing is ever updated.
 */
export class CreateInspectionCampaigns1765521000000 implements MigrationInterface {
  name = 'CreateInspectionCampaigns1765521000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE inspection_campaign (
        id uuid PRIMARY KEY,
        year integer NOT NULL,
        period text NOT NULL,
        county_code text NOT NULL,
        township_codes text[] NOT NULL,
        design jsonb NOT NULL,
        teams jsonb NOT NULL,
        days jsonb NOT NULL,
        created_by uuid NOT NULL REFERENCES staff_user (id),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX inspection_campaign_year ON inspection_campaign (year, created_at)`);
    await q.query(`
      CREATE TABLE inspection_freeze (
        campaign_id uuid PRIMARY KEY REFERENCES inspection_campaign (id),
        as_of date NOT NULL,
        frame jsonb NOT NULL,
        frame_hash text NOT NULL,
        frame_counts jsonb NOT NULL,
        seed_commitment text NOT NULL,
        sealed_seed text NOT NULL,
        frozen_by uuid NOT NULL REFERENCES staff_user (id),
        frozen_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE inspection_draw (
        id uuid PRIMARY KEY,
        campaign_id uuid NOT NULL REFERENCES inspection_freeze (campaign_id),
        day date NOT NULL,
        team_id text NOT NULL,
        drawn_by uuid NOT NULL REFERENCES staff_user (id),
        drawn_at timestamptz NOT NULL,
        public_value text NOT NULL,
        log_heads jsonb NOT NULL,
        result jsonb NOT NULL,
        UNIQUE (campaign_id, day, team_id)
      )`);
    await q.query(`
      CREATE TABLE inspection_day_close (
        draw_id uuid PRIMARY KEY REFERENCES inspection_draw (id),
        closed_by uuid NOT NULL REFERENCES staff_user (id),
        closed_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE inspection_publication (
        campaign_id uuid PRIMARY KEY REFERENCES inspection_freeze (campaign_id),
        seed text NOT NULL,
        published_by uuid NOT NULL REFERENCES staff_user (id),
        published_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE FUNCTION inspection_evidence_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (const table of ['inspection_campaign', ...EVIDENCE]) {
      await q.query(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION inspection_evidence_append_only()`);
      await q.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION inspection_evidence_append_only()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE inspection_publication, inspection_day_close, inspection_draw, inspection_freeze, inspection_campaign`);
    await q.query(`DROP FUNCTION inspection_evidence_append_only()`);
  }
}
