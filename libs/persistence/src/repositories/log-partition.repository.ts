import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The tables partitioned by month (PartitionLogByMonth), with the timestamp each is partitioned on. */
export const PARTITIONED_TABLES = [
  { table: 'inbound_message', key: 'received_at' },
  { table: 'canonical_fact', key: 'received_at' },
  { table: 'exchange_receipt', key: 'created_at' },
] as const;

export type PartitionedTable = (typeof PARTITIONED_TABLES)[number]['table'];

/** A client's chain head: the last sequence and its row hash. */
export interface ArchiveHead {
  clientId: string;
  lastSeq: string;
  headHash: string;
}

export interface LogArchiveRow {
  year: number;
  archivedAt: Date;
  fileName: string;
  fileSha256: string;
  messages: number;
  facts: number;
  receipts: number;
  heads: ArchiveHead[];
}

/** The first instant of a China year (+08), as PostgreSQL reads it. */
const yearStart = (year: number): string => `${String(year).padStart(4, '0')}-01-01 00:00:00+08`;

/** Month partitions a year is stored in, by table: inbound_message_y2025m01 … m12. */
export function yearPartitionNames(table: PartitionedTable, year: number): string[] {
  return Array.from({ length: 12 }, (_, m) => `${table}_y${year}m${String(m + 1).padStart(2, '0')}`);
}

/**
 * The message log's partitions: making the months ahead, reading a closed year out in pages, and taking it
 * out of the database once it is archived. The only SQL of `sanxian log archive` and of the worker's
 * partition schedule.
 */
@Injectable()
export class LogPartitionRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Makes the partitions of this month and the `monthsAhead` after it (and the DEFAULT ones) that do not exist
   * yet; idempotent. Returns the partitions made.
   */
  async ensureAhead(monthsAhead: number): Promise<string[]> {
    return this.ensureSince(new Date(), monthsAhead);
  }

  /** As ensureAhead, from the month of `since` (a history import of earlier months gets its partitions first). */
  async ensureSince(since: Date, monthsAhead: number): Promise<string[]> {
    const [{ made }] = await this.db.transaction((tx) => tx.query(`SELECT log_partitions_ensure($1::timestamptz, $2) AS made`, [since, monthsAhead]));
    return made;
  }

  /** The China months whose rows sit in a table's DEFAULT partition (no month partition was made for them), with their counts. */
  async monthsInDefault(): Promise<{ table: PartitionedTable; month: string; rows: number }[]> {
    const found: { table: PartitionedTable; month: string; rows: number }[] = [];
    for (const { table, key } of PARTITIONED_TABLES) {
      const rows: { month: string; rows: number }[] = await this.db.query(
        `SELECT to_char(date_trunc('month', ${key} AT TIME ZONE 'Asia/Shanghai'), 'YYYY-MM') AS month, count(*)::int AS rows
         FROM ${table}_default GROUP BY 1 ORDER BY 1`,
      );
      found.push(...rows.map((r) => ({ table, ...r })));
    }
    return found;
  }

  /**
   * Gives each month found in a DEFAULT partition its own partition and moves its rows there, a table and
   * month per transaction (log_partition_from_default: the rows are copied unchanged, then removed from the
   * DEFAULT partition). The parent is locked while its month moves: intake waits.
   */
  async moveOutOfDefault(): Promise<{ table: PartitionedTable; partition: string; rows: number }[]> {
    const moved: { table: PartitionedTable; partition: string; rows: number }[] = [];
    for (const { table, month } of await this.monthsInDefault()) {
      const [{ rows }] = await this.db.transaction((tx) =>
        tx.query(`SELECT log_partition_from_default($1::regclass, $2::date)::int AS rows`, [table, `${month}-01`]),
      );
      moved.push({ table, partition: yearPartitionNames(table, Number(month.slice(0, 4)))[Number(month.slice(5)) - 1], rows });
    }
    return moved;
  }

  /** The partitions of the three tables that exist now, by name. */
  async partitions(): Promise<string[]> {
    const rows: { name: string }[] = await this.db.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent IN ('inbound_message'::regclass, 'canonical_fact'::regclass, 'exchange_receipt'::regclass) ORDER BY 1`,
    );
    return rows.map((r) => r.name);
  }

  /** Which partition a table's row with this timestamp lands in. */
  async partitionOf(table: PartitionedTable, where: string, params: unknown[]): Promise<string[]> {
    const rows: { name: string }[] = await this.db.query(`SELECT DISTINCT tableoid::regclass::text AS name FROM ${table} WHERE ${where} ORDER BY 1`, params);
    return rows.map((r) => r.name);
  }

  /**
   * What keeps a year from being archived, in words (none: it may be). `currentYear` is this year in China.
   * A year is archived whole and in order, once nothing of it is still at work.
   */
  async archiveRefusals(year: number, currentYear: number): Promise<string[]> {
    if (year >= currentYear) return [`${year} is not closed: only a year before ${currentYear} can be archived`];
    const reasons: string[] = [];
    const [state] = await this.db.query(
      `SELECT
         (SELECT max(year) FROM log_archive) AS last_archived,
         (SELECT EXISTS (SELECT 1 FROM log_archive WHERE year = $3)) AS archived,
         (SELECT count(*) FROM inbound_message WHERE received_at < $1::timestamptz)::int AS earlier_messages,
         (SELECT count(*) FROM intake_batch WHERE created_at >= $1::timestamptz AND created_at < $2::timestamptz AND processed_at IS NULL AND dead_at IS NULL)::int AS unfinished_batches,
         (SELECT count(*) FROM discrepancy d
            WHERE d.closed_at IS NULL AND EXISTS (
              SELECT 1 FROM jsonb_array_elements_text(coalesce(d.evidence->'messageIds', '[]'::jsonb)) AS e(message_id)
              JOIN inbound_message_key k ON k.message_id = e.message_id::uuid
              WHERE k.received_at >= $1::timestamptz AND k.received_at < $2::timestamptz))::int AS open_discrepancies,
         (SELECT count(*) FROM inbound_message_default WHERE received_at >= $1::timestamptz AND received_at < $2::timestamptz)::int
           + (SELECT count(*) FROM canonical_fact_default WHERE received_at >= $1::timestamptz AND received_at < $2::timestamptz)::int
           + (SELECT count(*) FROM exchange_receipt_default WHERE created_at >= $1::timestamptz AND created_at < $2::timestamptz)::int AS in_default`,
      [yearStart(year), yearStart(year + 1), year],
    );
    if (state.archived) return [`${year} is archived already`];
    if (state.earlier_messages > 0) {
      reasons.push(`${state.earlier_messages} message(s) received before ${year} are still in the database: archive the earlier year(s) first${state.last_archived ? ` (last archived: ${state.last_archived})` : ''}`);
    }
    if (state.unfinished_batches > 0) reasons.push(`${state.unfinished_batches} intake batch(es) of ${year} are neither processed nor dead (see \`sanxian dead list\` and the worker)`);
    if (state.open_discrepancies > 0) reasons.push(`${state.open_discrepancies} open discrepancy(ies) cite messages of ${year}: resolve them first`);
    if (state.in_default > 0) reasons.push(`${state.in_default} row(s) of ${year} are in a DEFAULT partition (no month partition was made for them): move them into month partitions first (\`sanxian log partitions --move-default\`)`);
    return reasons;
  }

  /**
   * Each client's chain cut at the end of the year: its last row of the year, or its head from the archive
   * before when it sent nothing that year (every client with a chain is named). Refuses a cut that is not a
   * prefix of the chain (a row of the year after a later one: receipt times replayed out of order).
   */
  async headsAtEndOf(year: number, before: ArchiveHead[]): Promise<{ heads: ArchiveHead[]; notPrefix: string[] }> {
    const rows: { client_id: string; last_seq: string | null; head_hash: string | null; later_min: string | null }[] = await this.db.query(
      `SELECT c.id AS client_id, y.last_seq::text, y.row_hash AS head_hash, l.later_min::text
       FROM exchange_client c
       LEFT JOIN LATERAL (
         SELECT chain_seq AS last_seq, row_hash FROM inbound_message
         WHERE client_id = c.id AND received_at >= $1::timestamptz AND received_at < $2::timestamptz ORDER BY chain_seq DESC LIMIT 1) y ON true
       LEFT JOIN LATERAL (SELECT min(chain_seq) AS later_min FROM inbound_message WHERE client_id = c.id AND received_at >= $2::timestamptz) l ON true
       ORDER BY c.id`,
      [yearStart(year), yearStart(year + 1)],
    );
    const earlier = new Map(before.map((h) => [h.clientId, h]));
    const heads: ArchiveHead[] = [];
    const notPrefix: string[] = [];
    for (const r of rows) {
      if (r.last_seq !== null && r.later_min !== null && BigInt(r.later_min) < BigInt(r.last_seq)) notPrefix.push(r.client_id);
      if (r.last_seq !== null) heads.push({ clientId: r.client_id, lastSeq: r.last_seq, headHash: r.head_hash! });
      else if (earlier.has(r.client_id)) heads.push(earlier.get(r.client_id)!);
    }
    return { heads, notPrefix };
  }

  /** The archives recorded, oldest first. */
  async archives(): Promise<LogArchiveRow[]> {
    const rows = await this.db.query(`SELECT year, archived_at, file_name, file_sha256, messages, facts, receipts, heads FROM log_archive ORDER BY year`);
    return rows.map((r: Record<string, unknown>) => ({
      year: r.year as number, archivedAt: r.archived_at as Date, fileName: r.file_name as string, fileSha256: r.file_sha256 as string,
      messages: Number(r.messages), facts: Number(r.facts), receipts: Number(r.receipts), heads: r.heads as ArchiveHead[],
    }));
  }

  /**
   * One page of a year's rows of a table, in the archive's order (messages by client and sequence, facts and
   * receipts by id), after the key of the page before (undefined: from the start). Rows as JSON text, so that
   * the file holds each column as the database stores it.
   */
  async yearPage(table: PartitionedTable, year: number, after: { clientId: string; seq: string } | string | undefined, limit = 5000): Promise<{ rows: Record<string, unknown>[]; next: { clientId: string; seq: string } | string | undefined }> {
    const range = [yearStart(year), yearStart(year + 1)];
    if (table === 'inbound_message') {
      const key = after as { clientId: string; seq: string } | undefined;
      const rows: { r: Record<string, unknown> }[] = await this.db.query(
        `SELECT to_jsonb(m) - 'county_code' AS r FROM inbound_message m
         WHERE received_at >= $1::timestamptz AND received_at < $2::timestamptz AND (client_id, chain_seq) > ($3, $4::bigint)
         ORDER BY client_id, chain_seq LIMIT $5`,
        [...range, key?.clientId ?? '', key?.seq ?? '0', limit],
      );
      const last = rows[rows.length - 1]?.r;
      return { rows: rows.map((x) => x.r), next: rows.length < limit ? undefined : { clientId: last.client_id as string, seq: String(last.chain_seq) } };
    }
    const key = PARTITIONED_TABLES.find((t) => t.table === table)!.key;
    const rows: { r: Record<string, unknown> }[] = await this.db.query(
      `SELECT to_jsonb(t) - 'county_code' AS r FROM ${table} t WHERE ${key} >= $1::timestamptz AND ${key} < $2::timestamptz AND id > $3::bigint ORDER BY id LIMIT $4`,
      [...range, (after as string | undefined) ?? '0', limit],
    );
    return { rows: rows.map((x) => x.r), next: rows.length < limit ? undefined : String(rows[rows.length - 1].r.id) };
  }

  /**
   * Records the archive (one row, never changed) and takes the year's partitions out of the database, in one
   * transaction: detached and dropped, their rows now in the archive file only. The key tables keep the year's
   * keys, so a record of the year sent again is still a duplicate.
   */
  async recordArchiveAndDrop(archive: Omit<LogArchiveRow, 'archivedAt'>): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO log_archive (year, file_name, file_sha256, messages, facts, receipts, heads) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [archive.year, archive.fileName, archive.fileSha256, archive.messages, archive.facts, archive.receipts, JSON.stringify(archive.heads)],
      );
      const dropped: string[] = [];
      const written = { inbound_message: archive.messages, canonical_fact: archive.facts, exchange_receipt: archive.receipts };
      for (const { table } of PARTITIONED_TABLES) {
        const partitions: string[] = [];
        for (const partition of yearPartitionNames(table, archive.year)) {
          const [exists] = await tx.query(`SELECT to_regclass($1) IS NOT NULL AS yes`, [partition]);
          if (exists.yes) partitions.push(partition);
        }
        // Nothing may have come in since the file was written: what is dropped is exactly what it holds.
        if (partitions.length) await tx.query(`LOCK TABLE ${partitions.join(', ')} IN SHARE MODE`);
        const [{ n }] = partitions.length ? await tx.query(`SELECT (${partitions.map((p) => `(SELECT count(*) FROM ${p})`).join(' + ')})::bigint AS n`) : [{ n: '0' }];
        if (Number(n) !== written[table]) throw new Error(`${table} holds ${n} row(s) of ${archive.year} but the archive file has ${written[table]}: rows came in meanwhile; nothing was dropped, archive again`);
      }
      for (const { table } of PARTITIONED_TABLES) {
        for (const partition of yearPartitionNames(table, archive.year)) {
          const [exists] = await tx.query(`SELECT to_regclass($1) IS NOT NULL AS yes`, [partition]);
          if (!exists.yes) continue;
          await tx.query(`ALTER TABLE ${table} DETACH PARTITION ${partition}`);
          await tx.query(`DROP TABLE ${partition}`);
          dropped.push(partition);
        }
      }
      return dropped;
    });
  }
}
