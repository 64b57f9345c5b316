import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Responsibility letters (目标管理责任书): each unit's targets for the year as the plan version it
 * was signed on states them, with the responsible person, their post and the signing date. Evidence,
 * so append-only: a correction is a new letter that names the one it replaces (`supersedes`).
 */
export class CreateResponsibilityLetter1765560000001 implements MigrationInterface {
  name = 'CreateResponsibilityLetter1765560000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE responsibility_letter (
        id bigserial PRIMARY KEY,
        year integer NOT NULL,
        plan_id text NOT NULL,
        plan_version integer NOT NULL,
        unit_id text NOT NULL,
        responsible_name text NOT NULL,
        responsible_post text NOT NULL,
        signed_on date NOT NULL,
        content jsonb NOT NULL,
        supersedes bigint REFERENCES responsibility_letter (id),
        recorded_by uuid REFERENCES staff_user (id),
        recorded_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (plan_id, plan_version) REFERENCES assessment_plan (id, version),
        UNIQUE (supersedes)
      )`);
    await q.query(`CREATE INDEX responsibility_letter_unit ON responsibility_letter (year, unit_id, id)`);
    await q.query(`
      CREATE FUNCTION responsibility_letter_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'responsibility_letter is append-only: % refused (record a new letter that supersedes it)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`CREATE TRIGGER responsibility_letter_guard BEFORE UPDATE OR DELETE ON responsibility_letter FOR EACH ROW EXECUTE FUNCTION responsibility_letter_guard()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE responsibility_letter`);
    await q.query(`DROP FUNCTION responsibility_letter_guard`);
  }
}
