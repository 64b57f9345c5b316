import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Verification requests (协查) and their answers: evidence, so both tables are append-only (a
 * trigger refuses UPDATE, DELETE and TRUNCATE, as on the message log). A request's state is what
 * its rows say: answered when an answer row points at it, overdue when none does after its due
 * date. One answer per request (its key): answering twice has one effect.
 */
export class CreateVerificationRequests1765540000000 implements MigrationInterface {
  name = 'CreateVerificationRequests1765540000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE verification_request (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigserial NOT NULL UNIQUE,
        discrepancy_id uuid NOT NULL REFERENCES discrepancy (id),
        township_code text NOT NULL,
        client_id text NOT NULL REFERENCES exchange_client (id),
        agency text NOT NULL,
        message_id uuid NOT NULL,
        record_id text NOT NULL,
        kind text NOT NULL,
        question text NOT NULL,
        cross_county boolean NOT NULL,
        requested_on date NOT NULL,
        due_at date NOT NULL CHECK (due_at >= requested_on),
        requested_at timestamptz NOT NULL DEFAULT now(),
        requested_by uuid,
        requested_by_username text
      )`);
    await q.query(`CREATE INDEX verification_request_client ON verification_request (client_id, seq)`);
    await q.query(`CREATE INDEX verification_request_discrepancy ON verification_request (discrepancy_id)`);
    await q.query(`CREATE INDEX verification_request_due ON verification_request (due_at)`);
    await q.query(`
      CREATE TABLE verification_answer (
        request_id uuid PRIMARY KEY REFERENCES verification_request (id),
        client_id text NOT NULL REFERENCES exchange_client (id),
        answer text NOT NULL CHECK (answer IN ('corrected', 'confirmed')),
        comment text,
        message_id uuid,
        record_id text,
        answered_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((answer = 'corrected') = (message_id IS NOT NULL))
      )`);
    await q.query(`
      CREATE FUNCTION verification_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (const table of ['verification_request', 'verification_answer']) {
      await q.query(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION verification_append_only()`);
      await q.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION verification_append_only()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE verification_answer, verification_request`);
    await q.query(`DROP FUNCTION verification_append_only()`);
  }
}
