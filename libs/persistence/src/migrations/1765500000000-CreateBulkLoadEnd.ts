import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A client's bulk load (its deliveries sent with `?load=initial|history`) is open from its first
 * such delivery until the client declares it complete, or until it has been quiet for
 * BULK_LOAD_QUIET_MS. The open loads are read from intake_batch; only a declaration is written here,
 * one row per load ended, never changed (a load sent later is a new load, with a new row).
 * The partial index serves the open-load query: non-regular batches by client and time.
 */
export class CreateBulkLoadEnd1765500000000 implements MigrationInterface {
  name = 'CreateBulkLoadEnd1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE bulk_load_end (
        id bigserial PRIMARY KEY,
        client_id text NOT NULL REFERENCES exchange_client (id),
        ended_at timestamptz NOT NULL DEFAULT now(),
        opened_at timestamptz NOT NULL,
        last_delivery_at timestamptz NOT NULL,
        loads text[] NOT NULL,
        batches integer NOT NULL,
        records integer NOT NULL
      )`);
    await q.query(`CREATE INDEX bulk_load_end_client ON bulk_load_end (client_id, ended_at DESC)`);
    await q.query(`CREATE INDEX intake_batch_bulk_load ON intake_batch (client_id, created_at) WHERE load <> 'regular'`);
    await q.query(`
      CREATE FUNCTION bulk_load_end_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'bulk_load_end is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`CREATE TRIGGER bulk_load_end_append_only BEFORE UPDATE OR DELETE ON bulk_load_end FOR EACH ROW EXECUTE FUNCTION bulk_load_end_append_only()`);
    await q.query(`CREATE TRIGGER bulk_load_end_no_truncate BEFORE TRUNCATE ON bulk_load_end FOR EACH STATEMENT EXECUTE FUNCTION bulk_load_end_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE bulk_load_end`);
    await q.query(`DROP FUNCTION bulk_load_end_append_only()`);
    await q.query(`DROP INDEX intake_batch_bulk_load`);
  }
}
