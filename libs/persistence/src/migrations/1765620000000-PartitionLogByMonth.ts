import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The tables that grow for years (the message log, canonical facts, receipts) become partitioned by
 * month, so that a closed year can be archived and dropped a partition at a time (`sanxian log archive`).
 * Months are China Standard Time months (+08), the hub's calendar.
 *
 * PostgreSQL enforces a unique key on a partitioned table only if it holds the partition key, so the keys
 * that make delivery and processing idempotent move to small unpartitioned key tables, filled in the same
 * statement by a trigger (the writers' COPY is unchanged) and never archived:
 * - inbound_message_key (client_id, record_id): a record sent again, even years later, is a duplicate.
 *   Its primary key keeps the name inbound_message_client_record, which intake's retry recognises.
 *   It also holds the message id (unique), which dead_letter and the registry's rows now reference.
 * - exchange_receipt_processed_key (message_id): one `processed` receipt per message.
 * (client_id, chain_seq) is an index per partition, not a key: sequences are handed out under the client's
 * row lock, and `log verify` names any repeated or missing sequence.
 *
 * The rows stored are moved. Each table gets county_code, its county (the first 6 digits of the region
 * code): the column a multi-county hub distributes by (Citus, see docs/architecture.md).
 */
export class PartitionLogByMonth1765620000000 implements MigrationInterface {
  name = 'PartitionLogByMonth1765620000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP VIEW message_state`);
    for (const fk of ['dead_letter_message_id_fkey:dead_letter', 'registry_card_version_message_id_fkey:registry_card_version', 'registry_woman_message_id_fkey:registry_woman']) {
      const [name, table] = fk.split(':');
      await q.query(`ALTER TABLE ${table} DROP CONSTRAINT ${name}`);
    }
    // The stored tables step aside, with their index names, until their rows are moved.
    await q.query(`ALTER TABLE inbound_message RENAME TO inbound_message_unpartitioned`);
    await q.query(`ALTER INDEX inbound_message_pkey RENAME TO inbound_message_unpartitioned_pkey`);
    await q.query(`ALTER INDEX inbound_message_client_record RENAME TO inbound_message_unpartitioned_client_record`);
    await q.query(`ALTER INDEX inbound_message_client_seq RENAME TO inbound_message_unpartitioned_client_seq`);
    await q.query(`ALTER TABLE canonical_fact RENAME TO canonical_fact_unpartitioned`);
    await q.query(`ALTER INDEX canonical_fact_pkey RENAME TO canonical_fact_unpartitioned_pkey`);
    await q.query(`ALTER INDEX canonical_fact_message_role RENAME TO canonical_fact_unpartitioned_message_role`);
    await q.query(`ALTER INDEX canonical_fact_citizen_hash RENAME TO canonical_fact_unpartitioned_citizen_hash`);
    await q.query(`ALTER TABLE exchange_receipt RENAME TO exchange_receipt_unpartitioned`);
    await q.query(`ALTER INDEX exchange_receipt_pkey RENAME TO exchange_receipt_unpartitioned_pkey`);
    await q.query(`ALTER INDEX exchange_receipt_processed RENAME TO exchange_receipt_unpartitioned_processed`);
    // The sequences outlive the tables they were made for.
    await q.query(`ALTER SEQUENCE canonical_fact_id_seq OWNED BY NONE`);
    await q.query(`ALTER SEQUENCE exchange_receipt_id_seq OWNED BY NONE`);

    await q.query(`
      CREATE TABLE inbound_message_key (
        client_id text NOT NULL,
        record_id text NOT NULL,
        message_id uuid NOT NULL,
        payload_sha256 text NOT NULL,
        received_at timestamptz NOT NULL,
        CONSTRAINT inbound_message_client_record PRIMARY KEY (client_id, record_id),
        CONSTRAINT inbound_message_key_message UNIQUE (message_id)
      )`);
    await q.query(`
      CREATE TABLE inbound_message (
        id uuid NOT NULL,
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
        county_code text GENERATED ALWAYS AS (left(region_code, 6)) STORED,
        CONSTRAINT inbound_message_pkey PRIMARY KEY (id, received_at)
      ) PARTITION BY RANGE (received_at)`);
    await q.query(`CREATE INDEX inbound_message_client_seq ON inbound_message (client_id, chain_seq)`);
    // Row triggers on a partitioned table are cloned onto every partition, present and future.
    await q.query(`CREATE TRIGGER inbound_message_guard BEFORE UPDATE OR DELETE ON inbound_message FOR EACH ROW EXECUTE FUNCTION inbound_message_guard()`);
    await q.query(`CREATE TRIGGER inbound_message_no_truncate BEFORE TRUNCATE ON inbound_message FOR EACH STATEMENT EXECUTE FUNCTION inbound_message_no_truncate()`);
    await q.query(`
      CREATE FUNCTION inbound_message_record_keys() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO inbound_message_key (client_id, record_id, message_id, payload_sha256, received_at)
        SELECT client_id, record_id, id, payload_sha256, received_at FROM added;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER inbound_message_record_keys AFTER INSERT ON inbound_message
      REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION inbound_message_record_keys()`);
    await q.query(`
      CREATE FUNCTION inbound_message_key_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'inbound_message_key is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`CREATE TRIGGER inbound_message_key_append_only BEFORE UPDATE OR DELETE ON inbound_message_key FOR EACH ROW EXECUTE FUNCTION inbound_message_key_append_only()`);
    await q.query(`CREATE TRIGGER inbound_message_key_no_truncate BEFORE TRUNCATE ON inbound_message_key FOR EACH STATEMENT EXECUTE FUNCTION inbound_message_key_append_only()`);

    await q.query(`
      CREATE TABLE canonical_fact (
        id bigint NOT NULL DEFAULT nextval('canonical_fact_id_seq'),
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
        citizen_id_hash text,
        county_code text GENERATED ALWAYS AS (left(region_code, 6)) STORED,
        CONSTRAINT canonical_fact_pkey PRIMARY KEY (id, received_at),
        -- A fact's received_at is its message's, so this is the same key as (message_id, role, ordinal).
        CONSTRAINT canonical_fact_message_role UNIQUE (message_id, role, ordinal, received_at)
      ) PARTITION BY RANGE (received_at)`);
    await q.query(`ALTER SEQUENCE canonical_fact_id_seq OWNED BY canonical_fact.id`);
    // Incremental reconciliation looks facts up by the keyed hash of the id they state.
    await q.query(`CREATE INDEX canonical_fact_citizen_hash ON canonical_fact (citizen_id_hash) WHERE citizen_id_hash IS NOT NULL`);

    await q.query(`
      CREATE TABLE exchange_receipt_processed_key (
        message_id uuid NOT NULL CONSTRAINT exchange_receipt_processed PRIMARY KEY
      )`);
    await q.query(`
      CREATE TABLE exchange_receipt (
        id bigint NOT NULL DEFAULT nextval('exchange_receipt_id_seq'),
        client_id text NOT NULL,
        message_id uuid NOT NULL,
        record_id text NOT NULL,
        type text NOT NULL,
        detail jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        -- No region on a receipt: the hub's county (the database setting sanxian.county_code, see
        -- docs/architecture.md), which a multi-county hub's writer sets from the client's county.
        county_code text DEFAULT nullif(current_setting('sanxian.county_code', true), ''),
        CONSTRAINT exchange_receipt_pkey PRIMARY KEY (client_id, id, created_at)
      ) PARTITION BY RANGE (created_at)`);
    await q.query(`ALTER SEQUENCE exchange_receipt_id_seq OWNED BY exchange_receipt.id`);
    // Reads of a message's processed receipt (message_state, pending messages) still probe the receipts.
    await q.query(`CREATE INDEX exchange_receipt_message ON exchange_receipt (message_id) WHERE type = 'processed'`);
    await q.query(`
      CREATE FUNCTION exchange_receipt_processed_keys() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO exchange_receipt_processed_key (message_id) SELECT message_id FROM added WHERE type = 'processed';
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER exchange_receipt_processed_keys AFTER INSERT ON exchange_receipt
      REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION exchange_receipt_processed_keys()`);

    // As with the unique index it replaces, a processed receipt deleted (receipts have no guard) frees its key.
    await q.query(`
      CREATE FUNCTION exchange_receipt_processed_keys_removed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM exchange_receipt_processed_key k USING removed r WHERE r.type = 'processed' AND k.message_id = r.message_id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER exchange_receipt_processed_keys_removed AFTER DELETE ON exchange_receipt
      REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION exchange_receipt_processed_keys_removed()`);

    await q.query(PARTITION_FUNCTIONS);
    // A partition for every month the stored rows cover, then the months ahead; a row of any other month
    // lands in the table's DEFAULT partition: intake never fails for want of a partition.
    const [range] = await q.query(`
      SELECT least((SELECT min(received_at) FROM inbound_message_unpartitioned), (SELECT min(created_at) FROM exchange_receipt_unpartitioned), now()) AS first`);
    await q.query(`SELECT log_partitions_ensure($1::timestamptz, 3)`, [range.first]);

    await q.query(`
      INSERT INTO inbound_message (id, client_id, record_id, kind, batch_id, chain_seq, payload, payload_sha256, prev_hash, row_hash, event_date, region_code, warnings, received_at)
      SELECT id, client_id, record_id, kind, batch_id, chain_seq, payload, payload_sha256, prev_hash, row_hash, event_date, region_code, warnings, received_at
      FROM inbound_message_unpartitioned ORDER BY client_id, chain_seq`);
    await q.query(`
      INSERT INTO canonical_fact (id, message_id, role, ordinal, kind, event, event_date, region_code, citizen_id, citizen_id_valid, name, sex, birth_date, detail, client_id, received_at, citizen_id_hash)
      SELECT id, message_id, role, ordinal, kind, event, event_date, region_code, citizen_id, citizen_id_valid, name, sex, birth_date, detail, client_id, received_at, citizen_id_hash
      FROM canonical_fact_unpartitioned`);
    await q.query(`
      INSERT INTO exchange_receipt (id, client_id, message_id, record_id, type, detail, created_at)
      SELECT id, client_id, message_id, record_id, type, detail, created_at FROM exchange_receipt_unpartitioned`);
    await q.query(`DROP TABLE inbound_message_unpartitioned, canonical_fact_unpartitioned, exchange_receipt_unpartitioned`);

    // The references to a message hold on its key, which archiving a year keeps.
    await q.query(`ALTER TABLE dead_letter ADD CONSTRAINT dead_letter_message_id_fkey FOREIGN KEY (message_id) REFERENCES inbound_message_key (message_id)`);
    await q.query(`ALTER TABLE registry_card_version ADD CONSTRAINT registry_card_version_message_id_fkey FOREIGN KEY (message_id) REFERENCES inbound_message_key (message_id)`);
    await q.query(`ALTER TABLE registry_woman ADD CONSTRAINT registry_woman_message_id_fkey FOREIGN KEY (message_id) REFERENCES inbound_message_key (message_id)`);

    await q.query(`
      CREATE VIEW message_state AS
      SELECT m.*,
             CASE WHEN d.died_at IS NOT NULL THEN 'dead' WHEN p.processed_at IS NOT NULL THEN 'processed' ELSE 'accepted' END AS state,
             p.processed_at, d.error, d.died_at
      FROM inbound_message m
      LEFT JOIN LATERAL (SELECT r.created_at AS processed_at FROM exchange_receipt r WHERE r.message_id = m.id AND r.type = 'processed' LIMIT 1) p ON true
      LEFT JOIN LATERAL (SELECT x.error, x.died_at FROM dead_letter x WHERE x.message_id = m.id LIMIT 1) d ON true`);

    // A closed year taken out of the database: one row per archive, never changed.
    await q.query(`
      CREATE TABLE log_archive (
        id bigserial PRIMARY KEY,
        year integer NOT NULL UNIQUE,
        archived_at timestamptz NOT NULL DEFAULT now(),
        file_name text NOT NULL,
        file_sha256 text NOT NULL,
        messages bigint NOT NULL,
        facts bigint NOT NULL,
        receipts bigint NOT NULL,
        heads jsonb NOT NULL
      )`);
    await q.query(`
      CREATE FUNCTION log_archive_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'log_archive is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`CREATE TRIGGER log_archive_append_only BEFORE UPDATE OR DELETE ON log_archive FOR EACH ROW EXECUTE FUNCTION log_archive_append_only()`);
    await q.query(`CREATE TRIGGER log_archive_no_truncate BEFORE TRUNCATE ON log_archive FOR EACH STATEMENT EXECUTE FUNCTION log_archive_append_only()`);

    // The county on the other large tables (see docs/architecture.md: the distribution column).
    await q.query(`ALTER TABLE registry_card_version ADD COLUMN county_code text GENERATED ALWAYS AS (left(region_code, 6)) STORED`);
    await q.query(`ALTER TABLE registry_woman ADD COLUMN county_code text GENERATED ALWAYS AS (left(region_code, 6)) STORED`);
    await q.query(`ALTER TABLE discrepancy ADD COLUMN county_code text GENERATED ALWAYS AS (left(region_code, 6)) STORED`);
    await q.query(`ALTER TABLE person_link ADD COLUMN county_code text GENERATED ALWAYS AS (left(township_code, 6)) STORED`);
    // A husband's and a child's row has no region of its own: its card's, set at write.
    await q.query(`ALTER TABLE registry_husband ADD COLUMN county_code text`);
    await q.query(`ALTER TABLE registry_child ADD COLUMN county_code text`);
    await q.query(`UPDATE registry_husband h SET county_code = w.county_code FROM registry_woman w WHERE w.card_id = h.card_id`);
    await q.query(`UPDATE registry_child c SET county_code = w.county_code FROM registry_woman w WHERE w.card_id = c.card_id`);
    await q.query(`
      CREATE FUNCTION registry_member_county() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        SELECT county_code INTO NEW.county_code FROM registry_woman WHERE card_id = NEW.card_id;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER registry_husband_county BEFORE INSERT OR UPDATE OF card_id ON registry_husband FOR EACH ROW EXECUTE FUNCTION registry_member_county()`);
    await q.query(`CREATE TRIGGER registry_child_county BEFORE INSERT OR UPDATE OF card_id ON registry_child FOR EACH ROW EXECUTE FUNCTION registry_member_county()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER registry_child_county ON registry_child`);
    await q.query(`DROP TRIGGER registry_husband_county ON registry_husband`);
    await q.query(`DROP FUNCTION registry_member_county()`);
    for (const table of ['registry_child', 'registry_husband', 'person_link', 'discrepancy', 'registry_woman', 'registry_card_version']) {
      await q.query(`ALTER TABLE ${table} DROP COLUMN county_code`);
    }
    await q.query(`DROP TABLE log_archive`);
    await q.query(`DROP FUNCTION log_archive_append_only()`);
    await q.query(`DROP VIEW message_state`);
    for (const table of ['dead_letter', 'registry_card_version', 'registry_woman']) await q.query(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_message_id_fkey`);
    await q.query(`ALTER TABLE inbound_message RENAME TO inbound_message_partitioned`);
    await q.query(`ALTER TABLE canonical_fact RENAME TO canonical_fact_partitioned`);
    await q.query(`ALTER TABLE exchange_receipt RENAME TO exchange_receipt_partitioned`);
    for (const t of ['inbound_message', 'canonical_fact', 'exchange_receipt']) {
      const indexes: { name: string }[] = await q.query(`SELECT indexname AS name FROM pg_indexes WHERE tablename = $1 || '_partitioned'`, [t]);
      for (const { name } of indexes) await q.query(`ALTER INDEX ${name} RENAME TO ${name}_partitioned`);
    }
    await q.query(`ALTER SEQUENCE canonical_fact_id_seq OWNED BY NONE`);
    await q.query(`ALTER SEQUENCE exchange_receipt_id_seq OWNED BY NONE`);
    await q.query(`
      CREATE TABLE inbound_message (
        id uuid PRIMARY KEY, client_id text NOT NULL, record_id text NOT NULL, kind text NOT NULL, batch_id uuid NOT NULL,
        chain_seq bigint NOT NULL, payload text NOT NULL, payload_sha256 text NOT NULL, prev_hash text NOT NULL, row_hash text NOT NULL,
        event_date date, region_code text, warnings jsonb, received_at timestamptz NOT NULL,
        CONSTRAINT inbound_message_client_record_old UNIQUE (client_id, record_id),
        CONSTRAINT inbound_message_client_seq_old UNIQUE (client_id, chain_seq))`);
    await q.query(`
      INSERT INTO inbound_message SELECT id, client_id, record_id, kind, batch_id, chain_seq, payload, payload_sha256, prev_hash, row_hash, event_date, region_code, warnings, received_at
      FROM inbound_message_partitioned`);
    await q.query(`
      CREATE TABLE canonical_fact (
        id bigint PRIMARY KEY DEFAULT nextval('canonical_fact_id_seq'), message_id uuid NOT NULL, role text NOT NULL, ordinal smallint NOT NULL DEFAULT 0,
        kind text NOT NULL, event text NOT NULL, event_date date NOT NULL, region_code text NOT NULL, citizen_id text,
        citizen_id_valid boolean NOT NULL DEFAULT false, name text, sex char(1), birth_date date, detail jsonb, client_id text NOT NULL,
        received_at timestamptz NOT NULL, citizen_id_hash text, CONSTRAINT canonical_fact_message_role_old UNIQUE (message_id, role, ordinal))`);
    await q.query(`
      INSERT INTO canonical_fact SELECT id, message_id, role, ordinal, kind, event, event_date, region_code, citizen_id, citizen_id_valid, name, sex, birth_date, detail, client_id, received_at, citizen_id_hash
      FROM canonical_fact_partitioned`);
    await q.query(`
      CREATE TABLE exchange_receipt (
        id bigint NOT NULL DEFAULT nextval('exchange_receipt_id_seq'), client_id text NOT NULL, message_id uuid NOT NULL, record_id text NOT NULL,
        type text NOT NULL, detail jsonb, created_at timestamptz NOT NULL DEFAULT now(), CONSTRAINT exchange_receipt_pkey_old PRIMARY KEY (client_id, id))`);
    await q.query(`INSERT INTO exchange_receipt SELECT id, client_id, message_id, record_id, type, detail, created_at FROM exchange_receipt_partitioned`);
    await q.query(`DROP TABLE inbound_message_partitioned, canonical_fact_partitioned, exchange_receipt_partitioned, inbound_message_key, exchange_receipt_processed_key`);
    await q.query(`ALTER TABLE inbound_message RENAME CONSTRAINT inbound_message_client_record_old TO inbound_message_client_record`);
    await q.query(`ALTER TABLE inbound_message RENAME CONSTRAINT inbound_message_client_seq_old TO inbound_message_client_seq`);
    await q.query(`ALTER TABLE canonical_fact RENAME CONSTRAINT canonical_fact_message_role_old TO canonical_fact_message_role`);
    await q.query(`CREATE INDEX canonical_fact_citizen_hash ON canonical_fact (citizen_id_hash) WHERE citizen_id_hash IS NOT NULL`);
    await q.query(`ALTER TABLE exchange_receipt RENAME CONSTRAINT exchange_receipt_pkey_old TO exchange_receipt_pkey`);
    await q.query(`CREATE UNIQUE INDEX exchange_receipt_processed ON exchange_receipt (message_id) WHERE type = 'processed'`);
    await q.query(`ALTER SEQUENCE canonical_fact_id_seq OWNED BY canonical_fact.id`);
    await q.query(`ALTER SEQUENCE exchange_receipt_id_seq OWNED BY exchange_receipt.id`);
    await q.query(`DROP FUNCTION log_partitions_ensure(timestamptz, integer), log_partition_create(regclass, date)`);
    await q.query(`DROP FUNCTION inbound_message_record_keys(), exchange_receipt_processed_keys(), exchange_receipt_processed_keys_removed(), inbound_message_key_append_only()`);
    await q.query(`CREATE TRIGGER inbound_message_guard BEFORE UPDATE OR DELETE ON inbound_message FOR EACH ROW EXECUTE FUNCTION inbound_message_guard()`);
    await q.query(`CREATE TRIGGER inbound_message_no_truncate BEFORE TRUNCATE ON inbound_message FOR EACH STATEMENT EXECUTE FUNCTION inbound_message_no_truncate()`);
    for (const table of ['dead_letter', 'registry_card_version', 'registry_woman']) {
      await q.query(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_message_id_fkey FOREIGN KEY (message_id) REFERENCES inbound_message (id)`);
    }
    await q.query(`
      CREATE VIEW message_state AS
      SELECT m.*,
             CASE WHEN d.died_at IS NOT NULL THEN 'dead' WHEN p.processed_at IS NOT NULL THEN 'processed' ELSE 'accepted' END AS state,
             p.processed_at, d.error, d.died_at
      FROM inbound_message m
      LEFT JOIN LATERAL (SELECT r.created_at AS processed_at FROM exchange_receipt r WHERE r.message_id = m.id AND r.type = 'processed' LIMIT 1) p ON true
      LEFT JOIN LATERAL (SELECT x.error, x.died_at FROM dead_letter x WHERE x.message_id = m.id LIMIT 1) d ON true`);
  }
}

/**
 * The partitions, made in the database so that the migration, the worker's schedule and the tests make them
 * the same way. log_partition_create makes one month's partition of one table (a China month, +08) unless
 * it exists, or unless the table's DEFAULT partition already holds rows of that month (they stay readable
 * and verifiable there; the month is reported). log_partitions_ensure makes, for the three tables, the
 * DEFAULT partition and every month from `since` to `ahead` months after this one (or after `since`'s, if
 * later); it returns the partitions made.
 * Statement triggers are not cloned onto partitions: the log's refusal of TRUNCATE is added to each.
 */
const PARTITION_FUNCTIONS = `
  CREATE FUNCTION log_partition_create(parent regclass, month date) RETURNS text LANGUAGE plpgsql AS $$
  DECLARE
    table_name text := parent::text || '_y' || to_char(month, 'YYYY') || 'm' || to_char(month, 'MM');
    key text := CASE WHEN parent = 'exchange_receipt'::regclass THEN 'created_at' ELSE 'received_at' END;
    lower_bound timestamptz := (to_char(month, 'YYYY-MM-01') || ' 00:00:00+08')::timestamptz;
    upper_bound timestamptz := ((to_char(month, 'YYYY-MM-01'))::date + interval '1 month')::date::text || ' 00:00:00+08';
    in_default boolean;
  BEGIN
    IF to_regclass(table_name) IS NOT NULL THEN RETURN NULL; END IF;
    IF to_regclass(parent::text || '_default') IS NOT NULL THEN
      EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I >= $1 AND %I < $2)', parent::text || '_default', key, key)
        INTO in_default USING lower_bound, upper_bound;
      IF in_default THEN
        RAISE WARNING 'rows of % are in %_default: no partition made for that month', to_char(month, 'YYYY-MM'), parent;
        RETURN NULL;
      END IF;
    END IF;
    EXECUTE format('CREATE TABLE %I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)', table_name, parent, lower_bound, upper_bound);
    IF parent = 'inbound_message'::regclass THEN
      EXECUTE format('CREATE TRIGGER inbound_message_no_truncate BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION inbound_message_no_truncate()', table_name);
    END IF;
    RETURN table_name;
  END $$;

  CREATE FUNCTION log_partitions_ensure(since timestamptz, ahead integer) RETURNS text[] LANGUAGE plpgsql AS $$
  DECLARE
    parent regclass;
    month date;
    made text;
    all_made text[] := '{}';
    last_month date := (greatest(date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai'), date_trunc('month', since AT TIME ZONE 'Asia/Shanghai'))
                        + make_interval(months => ahead))::date;
  BEGIN
    -- One maker at a time (the worker's schedule, a worker starting, the migration); a partition is made
    -- under an exclusive lock on its table, which must not wait behind a long read for long.
    PERFORM pg_advisory_xact_lock(1515870724);
    SET LOCAL lock_timeout = '10s';
    FOREACH parent IN ARRAY ARRAY['inbound_message', 'canonical_fact', 'exchange_receipt']::regclass[] LOOP
      IF to_regclass(parent::text || '_default') IS NULL THEN
        EXECUTE format('CREATE TABLE %I PARTITION OF %s DEFAULT', parent::text || '_default', parent);
        IF parent = 'inbound_message'::regclass THEN
          EXECUTE 'CREATE TRIGGER inbound_message_no_truncate BEFORE TRUNCATE ON inbound_message_default FOR EACH STATEMENT EXECUTE FUNCTION inbound_message_no_truncate()';
        END IF;
      END IF;
      month := date_trunc('month', since AT TIME ZONE 'Asia/Shanghai')::date;
      WHILE month <= last_month LOOP
        made := log_partition_create(parent, month);
        IF made IS NOT NULL THEN all_made := all_made || made; END IF;
        month := (month + interval '1 month')::date;
      END LOOP;
    END LOOP;
    RETURN all_made;
  END $$`;
