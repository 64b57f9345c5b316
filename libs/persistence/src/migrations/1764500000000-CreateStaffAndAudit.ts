import { MigrationInterface, QueryRunner } from 'typeorm';

/** Staff accounts of the bureau, and the append-only audit log of what they read and do. */
export class CreateStaffAndAudit1764500000000 implements MigrationInterface {
  name = 'CreateStaffAndAudit1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE staff_user (
        id uuid PRIMARY KEY,
        username text NOT NULL UNIQUE,
        password_hash text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'county', 'township', 'inspector', 'department')),
        region_code text,
        created_at timestamptz NOT NULL DEFAULT now(),
        disabled_at timestamptz,
        CONSTRAINT staff_user_township_has_region CHECK (role <> 'township' OR region_code ~ '^[0-9]{9}$')
      )`);
    await q.query(`
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        user_id uuid,
        username text,
        action text NOT NULL,
        target text,
        detail jsonb
      )`);
    await q.query(`CREATE INDEX audit_log_user ON audit_log (user_id, at)`);
    await q.query(`
      CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`);
    await q.query(`CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_log, staff_user`);
    await q.query(`DROP FUNCTION audit_log_append_only()`);
  }
}
