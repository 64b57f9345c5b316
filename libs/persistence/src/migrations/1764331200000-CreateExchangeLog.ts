import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The exchange log: clients, the tamper-evident message log, the intake outbox,
 * canonical facts and receipts. The log refuses UPDATE of what was received and
 * any DELETE, so the hash chains can only be broken from outside the database's rules.
 */
export class CreateExchangeLog1764331200000 implements MigrationInterface {
  name = 'CreateExchangeLog1764331200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE exchange_client (
        id text PRIMARY KEY,
        agency text NOT NULL CHECK (agency IN ('public-security', 'civil-affairs', 'health', 'family-planning')),
        name text NOT NULL,
        secret_ciphertext text NOT NULL,
        chain_seq bigint NOT NULL DEFAULT 0,
        chain_head text NOT NULL DEFAULT repeat('0', 64),
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE exchange_nonce (
        client_id text NOT NULL,
        nonce text NOT NULL,
        seen_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (client_id, nonce)
      )`);
    await q.query(`CREATE INDEX exchange_nonce_seen_at ON exchange_nonce (seen_at)`);
    await q.query(`
      CREATE TABLE intake_batch (
        id uuid PRIMARY KEY,
        client_id text NOT NULL REFERENCES exchange_client (id),
        kind text NOT NULL,
        record_count integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        enqueued_at timestamptz,
        processed_at timestamptz,
        dead_at timestamptz,
        last_error text
      )`);
    await q.query(`CREATE INDEX intake_batch_pending ON intake_batch (created_at) WHERE processed_at IS NULL AND dead_at IS NULL`);
    await q.query(`
      CREATE TABLE inbound_message (
        id uuid PRIMARY KEY,
        client_id text NOT NULL,
        record_id text NOT NULL,
        kind text NOT NULL,
        batch_id uuid NOT NULL,
        chain_seq bigint NOT NULL,
        payload text NOT NULL,
        payload_sha256 text NOT NULL,
        prev_hash text NOT NULL,
        row_hash text NOT NULL,
        event_date date,
        region_code text,
        warnings jsonb,
        received_at timestamptz NOT NULL,
        state text NOT NULL DEFAULT 'accepted' CHECK (state IN ('accepted', 'processed', 'dead')),
        processed_at timestamptz,
        error text,
        CONSTRAINT inbound_message_client_record UNIQUE (client_id, record_id),
        CONSTRAINT inbound_message_client_seq UNIQUE (client_id, chain_seq)
      ) WITH (fillfactor = 80)`);
    // No foreign keys on the hot tables (messages, facts, receipts): their per-row checks cost a third of the intake
    // transaction. Their only writers insert the client's and the batch's rows (or the message's)
    // in the same transaction, under the client's lock, and rows are never deleted.
    await q.query(`CREATE INDEX inbound_message_batch ON inbound_message (batch_id)`);
    // No index may cover \`state\`: marking a message processed must stay a HOT update (room left by
    // the fillfactor, no index entries to add). Dead messages are listed from their own small table.
    await q.query(`
      CREATE TABLE dead_letter (
        message_id uuid PRIMARY KEY REFERENCES inbound_message (id),
        error text NOT NULL,
        died_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE FUNCTION inbound_message_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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
    await q.query(`CREATE TRIGGER inbound_message_guard BEFORE UPDATE OR DELETE ON inbound_message FOR EACH ROW EXECUTE FUNCTION inbound_message_guard()`);
    await q.query(`
      CREATE FUNCTION inbound_message_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'inbound_message is append-only: TRUNCATE refused' USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`CREATE TRIGGER inbound_message_no_truncate BEFORE TRUNCATE ON inbound_message FOR EACH STATEMENT EXECUTE FUNCTION inbound_message_no_truncate()`);
    await q.query(`
      CREATE TABLE canonical_fact (
        id bigserial PRIMARY KEY,
        message_id uuid NOT NULL,
        role text NOT NULL,
        ordinal smallint NOT NULL DEFAULT 0,
        kind text NOT NULL,
        event text NOT NULL,
        event_date date NOT NULL,
        region_code text NOT NULL,
        citizen_id text,
        citizen_id_valid boolean NOT NULL DEFAULT false,
        name text,
        sex char(1),
        birth_date date,
        detail jsonb,
        client_id text NOT NULL,
        received_at timestamptz NOT NULL,
        CONSTRAINT canonical_fact_message_role UNIQUE (message_id, role, ordinal)
      )`);
    await q.query(`CREATE INDEX canonical_fact_citizen ON canonical_fact (citizen_id) WHERE citizen_id IS NOT NULL`);
    await q.query(`CREATE INDEX canonical_fact_region_date ON canonical_fact (region_code, event_date)`);
    await q.query(`
      CREATE TABLE exchange_receipt (
        id bigserial PRIMARY KEY,
        client_id text NOT NULL,
        message_id uuid NOT NULL,
        record_id text NOT NULL,
        type text NOT NULL,
        detail jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX exchange_receipt_client ON exchange_receipt (client_id, id)`);
    await q.query(`CREATE UNIQUE INDEX exchange_receipt_processed ON exchange_receipt (message_id) WHERE type = 'processed'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE exchange_receipt, canonical_fact, dead_letter`);
    await q.query(`DROP TRIGGER inbound_message_no_truncate ON inbound_message`);
    await q.query(`DROP TRIGGER inbound_message_guard ON inbound_message`);
    await q.query(`DROP TABLE inbound_message, intake_batch, exchange_nonce, exchange_client`);
    await q.query(`DROP FUNCTION inbound_message_guard(), inbound_message_no_truncate()`);
  }
}
