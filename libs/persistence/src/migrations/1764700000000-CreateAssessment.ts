import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The assessment: records agencies sent that the hub refused (data validity is scored on them),
 * the yearly plans (frozen once published: a new version supersedes, the database refuses edits),
 * the indicator values the hub computes with the facts behind them, and what assessors enter.
 */
export class CreateAssessment1764700000000 implements MigrationInterface {
  name = 'CreateAssessment1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE intake_rejection (
        id bigserial PRIMARY KEY,
        client_id text NOT NULL,
        kind text NOT NULL,
        record_id text,
        station_code text,
        event_date date,
        errors jsonb NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX intake_rejection_client ON intake_rejection (client_id, received_at)`);
    await q.query(`
      CREATE TABLE assessment_plan (
        id text NOT NULL,
        version integer NOT NULL,
        year integer NOT NULL,
        status text NOT NULL CHECK (status IN ('draft', 'published')),
        document jsonb NOT NULL,
        published_at timestamptz,
        published_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (id, version)
      )`);
    await q.query(`
      CREATE FUNCTION assessment_plan_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.status = 'published' THEN
          RAISE EXCEPTION 'assessment plan % v% is published: publish a new version instead', OLD.id, OLD.version
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
      END $$`);
    await q.query(`CREATE TRIGGER assessment_plan_frozen BEFORE UPDATE OR DELETE ON assessment_plan FOR EACH ROW EXECUTE FUNCTION assessment_plan_frozen()`);
    await q.query(`
      CREATE TABLE indicator_value (
        id bigserial PRIMARY KEY,
        plan_id text NOT NULL,
        year integer NOT NULL,
        indicator_id text NOT NULL,
        unit_id text NOT NULL,
        check_id text NOT NULL DEFAULT '',
        value double precision,
        numerator double precision,
        denominator double precision,
        evidence text[] NOT NULL DEFAULT '{}',
        note text,
        computed_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (plan_id, year, indicator_id, unit_id, check_id)
      )`);
    await q.query(`
      CREATE TABLE assessor_input (
        id bigserial PRIMARY KEY,
        plan_id text NOT NULL,
        year integer NOT NULL,
        type text NOT NULL CHECK (type IN ('grade', 'item', 'value', 'check', 'veto-event')),
        unit_id text,
        body jsonb NOT NULL,
        entered_by uuid NOT NULL,
        entered_at timestamptz NOT NULL DEFAULT now(),
        withdrawn_at timestamptz
      )`);
    await q.query(`CREATE INDEX assessor_input_plan ON assessor_input (plan_id, year)`);
    await q.query(`
      CREATE TABLE assessment_publication (
        plan_id text NOT NULL,
        year integer NOT NULL,
        plan_version integer NOT NULL,
        result jsonb NOT NULL,
        published_at timestamptz NOT NULL DEFAULT now(),
        published_by uuid,
        PRIMARY KEY (plan_id, year)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE assessment_publication, assessor_input, indicator_value, assessment_plan, intake_rejection`);
    await q.query(`DROP FUNCTION assessment_plan_frozen`);
  }
}
