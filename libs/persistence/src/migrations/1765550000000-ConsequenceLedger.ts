import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The year's consequences as a ledger. When the county publishes a year's results, each unit's
 * outcome (award tier and prize, 不奖不惩, 黄牌警告, 一票否决 with its reasons) becomes a row of
 * `assessment_outcome`; the county records its decisions about people (诫勉谈话, 大会检讨) in
 * `person_decision`, a correction being a new row that points at the one it corrects. Assessors'
 * entries become append-only as well: an entry withdrawn before publication keeps its row, and a
 * row of `assessor_input_withdrawal` (with the reason) points at it. The database refuses UPDATE,
 * DELETE and TRUNCATE on all four, as it does on the message log and the audit log, and refuses a
 * withdrawal once the year's results are published.
 */
export class ConsequenceLedger1765550000000 implements MigrationInterface {
  name = 'ConsequenceLedger1765550000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only: % refused (record a correction instead)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);

    await q.query(`
      CREATE TABLE assessment_outcome (
        id bigserial PRIMARY KEY,
        plan_id text NOT NULL,
        plan_version integer NOT NULL,
        year integer NOT NULL,
        unit_id text NOT NULL,
        unit_name jsonb NOT NULL,
        line text NOT NULL,
        group_id text NOT NULL,
        rank integer NOT NULL,
        score double precision NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('award', 'no-award', 'yellow-card', 'veto')),
        outcome_name jsonb NOT NULL,
        yellow_card boolean NOT NULL,
        tier_id text,
        prize numeric(12, 2) NOT NULL DEFAULT 0 CHECK (prize >= 0),
        reasons jsonb NOT NULL DEFAULT '[]',
        recorded_by uuid,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((outcome = 'award') = (tier_id IS NOT NULL)),
        CHECK (outcome = 'award' OR prize = 0),
        UNIQUE (plan_id, year, unit_id)
      )`);
    await q.query(`CREATE INDEX assessment_outcome_year ON assessment_outcome (year, id)`);

    await q.query(`
      CREATE TABLE person_decision (
        id bigserial PRIMARY KEY,
        year integer NOT NULL,
        kind text NOT NULL CHECK (kind IN ('admonition', 'account-at-meeting')),
        person_name text NOT NULL,
        post text NOT NULL,
        unit_id text,
        meeting_date date NOT NULL,
        meeting_reference text NOT NULL,
        note text,
        corrects bigint REFERENCES person_decision (id),
        withdrawn boolean NOT NULL DEFAULT false,
        recorded_by uuid NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        CHECK (NOT withdrawn OR corrects IS NOT NULL)
      )`);
    // A decision is corrected at most once: the correction is the one current row, and may itself be corrected.
    await q.query(`CREATE UNIQUE INDEX person_decision_corrected_once ON person_decision (corrects) WHERE corrects IS NOT NULL`);
    await q.query(`CREATE INDEX person_decision_year ON person_decision (year, id)`);

    await q.query(`
      CREATE TABLE assessor_input_withdrawal (
        id bigserial PRIMARY KEY,
        input_id bigint NOT NULL UNIQUE REFERENCES assessor_input (id),
        reason text NOT NULL,
        withdrawn_by uuid,
        withdrawn_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Entries withdrawn under the old column keep their withdrawal, as a row.
    await q.query(`
      INSERT INTO assessor_input_withdrawal (input_id, reason, withdrawn_at)
      SELECT id, 'withdrawn before withdrawals were recorded with a reason', withdrawn_at FROM assessor_input WHERE withdrawn_at IS NOT NULL`);
    await q.query(`ALTER TABLE assessor_input DROP COLUMN withdrawn_at`);
    await q.query(`
      CREATE FUNCTION assessor_input_withdrawal_open() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM assessor_input i JOIN assessment_publication p ON p.plan_id = i.plan_id AND p.year = i.year WHERE i.id = NEW.input_id) THEN
          RAISE EXCEPTION 'assessor input % belongs to published results: it can no longer be withdrawn', NEW.input_id USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER assessor_input_withdrawal_open BEFORE INSERT ON assessor_input_withdrawal FOR EACH ROW EXECUTE FUNCTION assessor_input_withdrawal_open()`);

    for (const table of ['assessment_outcome', 'person_decision', 'assessor_input_withdrawal', 'assessor_input']) {
      await q.query(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION ledger_append_only()`);
      await q.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER assessor_input_append_only ON assessor_input`);
    await q.query(`DROP TRIGGER assessor_input_no_truncate ON assessor_input`);
    await q.query(`ALTER TABLE assessor_input ADD COLUMN withdrawn_at timestamptz`);
    await q.query(`UPDATE assessor_input i SET withdrawn_at = w.withdrawn_at FROM assessor_input_withdrawal w WHERE w.input_id = i.id`);
    await q.query(`DROP TABLE assessor_input_withdrawal, person_decision, assessment_outcome`);
    await q.query(`DROP FUNCTION assessor_input_withdrawal_open(), ledger_append_only()`);
  }
}
