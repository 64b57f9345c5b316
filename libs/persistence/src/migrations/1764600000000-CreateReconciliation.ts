import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Linkage and reconciliation: each agency fact's link to a registry person (with the method,
 * score and per-field weights that made it, and staff's review), the discrepancies found (one
 * row per stable key, upserted by every run), the runs themselves, and the corrections staff
 * made to the registry working copy (its provenance).
 */
export class CreateReconciliation1764600000000 implements MigrationInterface {
  name = 'CreateReconciliation1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE person_link (
        fact_id bigint PRIMARY KEY,
        message_id uuid NOT NULL,
        township_code text NOT NULL,
        method text NOT NULL CHECK (method IN ('citizen-id', 'citizen-id-repair', 'probabilistic', 'manual')),
        decision text NOT NULL CHECK (decision IN ('link', 'review', 'non-link')),
        person_key text,
        card_id text,
        card_role text CHECK (card_role IN ('woman', 'husband', 'child')),
        person_citizen_id text,
        score real,
        weights jsonb NOT NULL DEFAULT '{}',
        runner_up jsonb,
        candidates integer NOT NULL DEFAULT 0,
        review_status text CHECK (review_status IN ('pending', 'confirmed', 'rejected')),
        reviewed_by uuid,
        reviewed_at timestamptz,
        review_comment text,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX person_link_card ON person_link (card_id) WHERE card_id IS NOT NULL`);
    await q.query(`CREATE INDEX person_link_review ON person_link (township_code, review_status, fact_id) WHERE review_status IS NOT NULL`);
    await q.query(`
      CREATE TABLE reconciliation_run (
        id bigserial PRIMARY KEY,
        township_code text,
        trigger text NOT NULL,
        status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
        as_of date NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        counts jsonb,
        error text
      )`);
    await q.query(`
      CREATE TABLE discrepancy (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        key text NOT NULL UNIQUE,
        kind text NOT NULL,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'resolved-by-data', 'dismissed')),
        region_code text NOT NULL,
        township_code text NOT NULL,
        subject jsonb NOT NULL,
        subject_citizen_id text,
        subject_name text,
        card_id text,
        agency_value jsonb,
        registry_value jsonb,
        evidence jsonb NOT NULL,
        due_at date NOT NULL,
        assignee_id uuid REFERENCES staff_user (id),
        raised_at timestamptz NOT NULL DEFAULT now(),
        raised_by_run bigint NOT NULL,
        last_seen_run bigint NOT NULL,
        closed_at timestamptz,
        resolution jsonb
      )`);
    await q.query(`CREATE INDEX discrepancy_township ON discrepancy (township_code, status, due_at, id)`);
    await q.query(`CREATE INDEX discrepancy_open_due ON discrepancy (due_at, id) WHERE status = 'open'`);
    await q.query(`CREATE INDEX discrepancy_assignee ON discrepancy (assignee_id) WHERE assignee_id IS NOT NULL`);
    await q.query(`
      CREATE TABLE registry_correction (
        id bigserial PRIMARY KEY,
        card_id text NOT NULL,
        discrepancy_id uuid NOT NULL REFERENCES discrepancy (id),
        change jsonb NOT NULL,
        staff_id uuid NOT NULL REFERENCES staff_user (id),
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX registry_correction_card ON registry_correction (card_id)`);
    // A discrepancy's history is read from the audit log by target.
    await q.query(`CREATE INDEX audit_log_target ON audit_log (target, at) WHERE target IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE registry_correction, discrepancy, reconciliation_run, person_link`);
    await q.query(`DROP INDEX IF EXISTS audit_log_target`);
  }
}
