import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rows that landed in a DEFAULT partition (no month partition was made ahead of them: the worker stopped for
 * months, or a history import ran before `log partitions --since`) can be given their month's partition:
 * `log_partition_from_default(parent, month)`, run by `sanxian log partitions --move-default`. Until then
 * PostgreSQL refuses to make that month's partition and `log archive` refuses the year.
 *
 * The rows are moved, not changed: in one transaction the DEFAULT partition is detached, the month's partition
 * made, the month's rows copied into it (straight into the partition, so the parent's statement triggers that
 * file idempotence keys do not fire: the keys exist already) and deleted from the detached DEFAULT partition
 * (detached, it has shed the append-only guard its parent's row trigger gave it), and the DEFAULT partition attached again. The
 * parent is locked meanwhile, so intake waits for the move: run it in a quiet hour.
 */
export class MoveRowsOutOfDefaultPartition1765720000000 implements MigrationInterface {
  name = 'MoveRowsOutOfDefaultPartition1765720000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION log_partition_from_default(parent regclass, month date) RETURNS bigint LANGUAGE plpgsql AS $$
      DECLARE
        default_name text := parent::text || '_default';
        table_name text := parent::text || '_y' || to_char(month, 'YYYY') || 'm' || to_char(month, 'MM');
        key text := CASE WHEN parent = 'exchange_receipt'::regclass THEN 'created_at' ELSE 'received_at' END;
        lower_bound timestamptz := (to_char(month, 'YYYY-MM-01') || ' 00:00:00+08')::timestamptz;
        upper_bound timestamptz := ((to_char(month, 'YYYY-MM-01'))::date + interval '1 month')::date::text || ' 00:00:00+08';
        stored_columns text;
        moved bigint;
        removed bigint;
      BEGIN
        IF parent NOT IN ('inbound_message'::regclass, 'canonical_fact'::regclass, 'exchange_receipt'::regclass) THEN
          RAISE EXCEPTION '% is not a table partitioned by month', parent;
        END IF;
        PERFORM pg_advisory_xact_lock(1515870724);
        IF to_regclass(table_name) IS NOT NULL THEN RAISE EXCEPTION '% exists already', table_name; END IF;
        -- Every stored column; generated ones are computed again on insert.
        SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO stored_columns
        FROM pg_attribute WHERE attrelid = parent AND attnum > 0 AND NOT attisdropped AND attgenerated = '';
        EXECUTE format('ALTER TABLE %s DETACH PARTITION %I', parent, default_name);
        EXECUTE format('CREATE TABLE %I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)', table_name, parent, lower_bound, upper_bound);
        IF parent = 'inbound_message'::regclass THEN
          EXECUTE format('CREATE TRIGGER inbound_message_no_truncate BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION inbound_message_no_truncate()', table_name);
        END IF;
        EXECUTE format('INSERT INTO %I (%s) SELECT %s FROM %I WHERE %I >= $1 AND %I < $2', table_name, stored_columns, stored_columns, default_name, key, key)
          USING lower_bound, upper_bound;
        GET DIAGNOSTICS moved = ROW_COUNT;
        -- Detached, the DEFAULT partition has shed the guard cloned from its parent (attaching it clones it again).
        EXECUTE format('DELETE FROM %I WHERE %I >= $1 AND %I < $2', default_name, key, key) USING lower_bound, upper_bound;
        GET DIAGNOSTICS removed = ROW_COUNT;
        IF removed <> moved THEN RAISE EXCEPTION '% row(s) copied into % but % removed from %', moved, table_name, removed, default_name; END IF;
        EXECUTE format('ALTER TABLE %s ATTACH PARTITION %I DEFAULT', parent, default_name);
        RETURN moved;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION log_partition_from_default(regclass, date)`);
  }
}
