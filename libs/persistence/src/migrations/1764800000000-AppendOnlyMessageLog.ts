import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The message log becomes insert-only. A message's processing state leaves its row: updating a
 * wide row that holds the payload wrote a whole new row version (and, once a page's spare room was
 * used, new entries in all four indexes) for every record processed, which cost more than storing it.
 * The state is now what the narrow rows written anyway say: the `processed` receipt (one per message,
 * unique) marks a message processed, a `dead_letter` row marks it dead, and `message_state` reads both.
 * With no UPDATE left to allow, the guard refuses every change to a logged row.
 * Fewer indexes are written for every record, too (see below).
 */
export class AppendOnlyMessageLog1764800000000 implements MigrationInterface {
  name = 'AppendOnlyMessageLog1764800000000';

  async up(q: QueryRunner): Promise<void> {
    // Dead messages keep their error in dead_letter already; processed ones have their receipt.
    await q.query(`ALTER TABLE inbound_message DROP COLUMN state, DROP COLUMN processed_at, DROP COLUMN error`);
    await q.query(`ALTER TABLE inbound_message SET (fillfactor = 100)`);
    await q.query(`
      CREATE OR REPLACE FUNCTION inbound_message_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'inbound_message is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    // A batch is a run of its client's chain: its messages are found by (client_id, chain_seq), and the
    // batch_id index, written for every record, goes. Indexes on facts that no query reads go too.
    // revived_at: a revived batch is the only kind whose messages may be part processed (see loadPending).
    await q.query(`ALTER TABLE intake_batch ADD COLUMN first_seq bigint, ADD COLUMN last_seq bigint, ADD COLUMN revived_at timestamptz`);
    await q.query(`
      UPDATE intake_batch b SET first_seq = r.first_seq, last_seq = r.last_seq
      FROM (SELECT batch_id, min(chain_seq) AS first_seq, max(chain_seq) AS last_seq FROM inbound_message GROUP BY batch_id) r
      WHERE r.batch_id = b.id`);
    await q.query(`ALTER TABLE intake_batch ALTER COLUMN first_seq SET NOT NULL, ALTER COLUMN last_seq SET NOT NULL`);
    await q.query(`DROP INDEX inbound_message_batch`);
    await q.query(`DROP INDEX canonical_fact_citizen, canonical_fact_region_date`);
    // Receipts are read by client and sequence only: that pair becomes the key, and the id-only index goes.
    await q.query(`ALTER TABLE exchange_receipt DROP CONSTRAINT exchange_receipt_pkey`);
    await q.query(`DROP INDEX exchange_receipt_client`);
    await q.query(`ALTER TABLE exchange_receipt ADD CONSTRAINT exchange_receipt_pkey PRIMARY KEY (client_id, id)`);
    // Per-message probes (LATERAL … LIMIT 1), so that reading a few messages' state never reads every receipt.
    await q.query(`
      CREATE VIEW message_state AS
      SELECT m.*,
             CASE WHEN d.died_at IS NOT NULL THEN 'dead' WHEN p.processed_at IS NOT NULL THEN 'processed' ELSE 'accepted' END AS state,
             p.processed_at, d.error, d.died_at
      FROM inbound_message m
      LEFT JOIN LATERAL (SELECT r.created_at AS processed_at FROM exchange_receipt r WHERE r.message_id = m.id AND r.type = 'processed' LIMIT 1) p ON true
      LEFT JOIN LATERAL (SELECT x.error, x.died_at FROM dead_letter x WHERE x.message_id = m.id LIMIT 1) d ON true`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP VIEW message_state`);
    await q.query(`ALTER TABLE exchange_receipt DROP CONSTRAINT exchange_receipt_pkey`);
    await q.query(`ALTER TABLE exchange_receipt ADD CONSTRAINT exchange_receipt_pkey PRIMARY KEY (id)`);
    await q.query(`CREATE INDEX exchange_receipt_client ON exchange_receipt (client_id, id)`);
    await q.query(`CREATE INDEX canonical_fact_citizen ON canonical_fact (citizen_id) WHERE citizen_id IS NOT NULL`);
    await q.query(`CREATE INDEX canonical_fact_region_date ON canonical_fact (region_code, event_date)`);
    await q.query(`CREATE INDEX inbound_message_batch ON inbound_message (batch_id)`);
    await q.query(`ALTER TABLE intake_batch DROP COLUMN first_seq, DROP COLUMN last_seq, DROP COLUMN revived_at`);
    await q.query(`ALTER TABLE inbound_message DISABLE TRIGGER inbound_message_guard`);
    await q.query(`
      ALTER TABLE inbound_message
        ADD COLUMN state text NOT NULL DEFAULT 'accepted' CHECK (state IN ('accepted', 'processed', 'dead')),
        ADD COLUMN processed_at timestamptz,
        ADD COLUMN error text`);
    await q.query(`
      UPDATE inbound_message m SET state = 'processed', processed_at = p.created_at
      FROM exchange_receipt p WHERE p.message_id = m.id AND p.type = 'processed'`);
    await q.query(`UPDATE inbound_message m SET state = 'dead', error = d.error FROM dead_letter d WHERE d.message_id = m.id`);
    await q.query(`ALTER TABLE inbound_message SET (fillfactor = 80)`);
    await q.query(`
      CREATE OR REPLACE FUNCTION inbound_message_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'inbound_message is append-only: DELETE refused' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.id IS DISTINCT FROM OLD.id OR NEW.client_id IS DISTINCT FROM OLD.client_id
           OR NEW.record_id IS DISTINCT FROM OLD.record_id OR NEW.kind IS DISTINCT FROM OLD.kind
           OR NEW.batch_id IS DISTINCT FROM OLD.batch_id OR NEW.chain_seq IS DISTINCT FROM OLD.chain_seq
           OR NEW.payload IS DISTINCT FROM OLD.payload OR NEW.payload_sha256 IS DISTINCT FROM OLD.payload_sha256
           OR NEW.prev_hash IS DISTINCT FROM OLD.prev_hash OR NEW.row_hash IS DISTINCT FROM OLD.row_hash
           OR NEW.received_at IS DISTINCT FROM OLD.received_at OR NEW.warnings IS DISTINCT FROM OLD.warnings THEN
          RAISE EXCEPTION 'inbound_message is append-only: only its processing state may change' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`ALTER TABLE inbound_message ENABLE TRIGGER inbound_message_guard`);
  }
}
