import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';
import { IntakeLoad, RecordIssue, RecordKind } from '@sanxian/contracts';
import { sha256Hex } from '@sanxian/domain';
import { withAdvisoryLock } from '../advisory-lock';
import { closeRows, copyEncoded } from '../copy-rows';
import { CHAIN_LOG_COLUMNS, GENESIS_HASH, OPEN_LOG_COLUMNS, PreparedLogRecords, chainHash, preparedId, preparedPayload, preparedSha, sameRecordText } from '../log-rows';
import { MessageState } from '../message-state';

export type StoreStatus = 'accepted' | 'duplicate' | 'record-id-reused';

export interface StoreResult {
  /** One per record, in order. */
  statuses: StoreStatus[];
  /** Record i's message: its new one if accepted, else the one its record id was logged with before. */
  messageId(i: number): string;
  /** Outbox batches created (empty when nothing new was accepted). */
  batchIds: string[];
}

/** A request's records put on the client's chain: what storeUnderLock writes, and what it answers. */
interface Chained {
  statuses: StoreStatus[];
  /** The message ids of records not accepted, by record. */
  earlierIds: Map<number, string>;
  chunks: Buffer[];
  batchIds: string[];
  batchCounts: number[];
  batchFirstSeq: string[];
  seq: bigint;
  head: string;
}

const LOG_COLUMNS = [...OPEN_LOG_COLUMNS, ...CHAIN_LOG_COLUMNS];

interface DuplicateRow {
  record_id: string;
  id: string;
  payload_sha256: string;
}

/**
 * The records of a request already logged for the client ($1), by record id ($2): one unique-index probe
 * per id, whatever the table's statistics say. LIMIT 1 keeps the LATERAL subquery from being flattened
 * into a join, which the planner may run as a hash join over the client's whole log on every request.
 */
export const DUPLICATE_PROBE_SQL = `
  SELECT m.record_id, m.id, m.payload_sha256
  FROM unnest($2::text[]) AS r(record_id)
  CROSS JOIN LATERAL (
    SELECT record_id, message_id AS id, payload_sha256 FROM inbound_message_key WHERE client_id = $1 AND record_id = r.record_id LIMIT 1) m`;

export interface MessageView {
  id: string;
  recordId: string;
  kind: RecordKind;
  batchId: string;
  state: MessageState;
  receivedAt: Date;
  processedAt: Date | null;
  error: string | null;
  warnings: RecordIssue[] | null;
  chainSeq: string;
  rowHash: string;
}

export interface ChainBreak {
  clientId: string;
  chainSeq: string;
  messageId: string | null;
  reason: string;
}

/** A client's chain head as the log holds it: the client's recorded head, and the hash of the row at that sequence. */
export interface LoggedChainHead {
  clientId: string;
  lastSeq: string;
  headHash: string;
  /** The row hash at lastSeq (null when that row is missing); differs from headHash only in a broken log. */
  rowHash: string | null;
}

/** The row a checkpoint named, as the log holds it now (absent: no such row). */
export interface RowAtSequence {
  clientId: string;
  seq: string;
  messageId: string;
  rowHash: string;
}

/** The advisory lock that serialises checkpoints, so that each links to the one before (any constant unique within the database). */
export const CHECKPOINT_LOCK = 0x5a4e_0003;

export interface RejectionRow {
  recordId: string | null;
  stationCode: string | null;
  /** Only a well-formed date: the record may be refused for its date. */
  eventDate: string | null;
  errors: unknown[];
}

@Injectable()
export class MessageLogRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Keeps what was refused, with its errors: not part of the log (nothing refused is
   * acknowledged), but the sending department's data validity is scored on it.
   */
  async recordRejections(clientId: string, kind: string, rows: RejectionRow[], receivedAt: Date = new Date()): Promise<void> {
    if (!rows.length) return;
    await this.db.query(
      `INSERT INTO intake_rejection (client_id, kind, record_id, station_code, event_date, errors, received_at)
       SELECT $1, $2, r.record_id, r.station_code, r.event_date, r.errors, $7
       FROM unnest($3::text[], $4::text[], $5::date[], $6::jsonb[]) AS r(record_id, station_code, event_date, errors)`,
      [clientId, kind, rows.map((r) => r.recordId), rows.map((r) => r.stationCode), rows.map((r) => r.eventDate), rows.map((r) => JSON.stringify(r.errors)), receivedAt],
    );
  }

  /**
   * Stores a client's validated records and their outbox batches in one transaction.
   * The client's row lock serialises its batches, so the hash chain never conflicts; records
   * already logged come back as duplicates (same record) or as reused ids (other content), and
   * are not stored again. The records come prepared (LogRowsBuilder): the
   * receipt time is the one they were prepared with.
   */
  async storeBatch(clientId: string, kind: RecordKind, prepared: PreparedLogRecords, batchSize: number, load: IntakeLoad = 'regular'): Promise<StoreResult> {
    // New records are the rule and resent ones the exception, so the records are first written as if none
    // were logged yet: no look-up at all. If one was, its COPY fails on the (client_id, record_id) key and
    // the store is repeated with the look-up, under the lock, where nothing can come in between.
    try {
      return await this.storeUnderLock(clientId, kind, prepared, batchSize, [], load);
    } catch (error) {
      if ((error as { constraint?: string }).constraint !== 'inbound_message_client_record') throw error;
      return this.storeUnderLock(clientId, kind, prepared, batchSize, undefined, load);
    }
  }

  /** The chain-dependent part, in one transaction holding the client's row lock. `known`: the request's records already logged, or undefined to look them up. */
  private async storeUnderLock(clientId: string, kind: RecordKind, prepared: PreparedLogRecords, batchSize: number, known: DuplicateRow[] | undefined, load: IntakeLoad): Promise<StoreResult> {
    const { recordIds, receivedAt } = prepared;
    const runner = this.db.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      // NO KEY UPDATE: serialises this client's intake without blocking the foreign-key checks of other work.
      const [head] = await runner.query('SELECT chain_seq, chain_head FROM exchange_client WHERE id = $1 FOR NO KEY UPDATE', [clientId]);
      if (!head) throw new Error(`unknown client ${clientId}`);
      const logged = known ?? ((await runner.query(DUPLICATE_PROBE_SQL, [clientId, recordIds])) as DuplicateRow[]);
      const storedPayloads = await this.payloadsWithOtherHashes(runner, logged, prepared);

      const chained = chainRecords(clientId, prepared, batchSize, BigInt(head.chain_seq), head.chain_head, logged, storedPayloads);
      const { batchIds } = chained;
      if (batchIds.length) {
        await copyEncoded(runner, 'inbound_message', LOG_COLUMNS, chained.chunks);
        // The batches and the new chain head in one statement: one round trip fewer while the lock is held.
        await runner.query(
          `WITH batches AS (
             INSERT INTO intake_batch (id, client_id, kind, record_count, created_at, first_seq, last_seq, load)
             SELECT b.id, $2, $3, b.n, $4, b.first_seq, b.first_seq + b.n - 1, $9 FROM unnest($1::uuid[], $5::int[], $6::bigint[]) AS b(id, n, first_seq))
           UPDATE exchange_client SET chain_seq = $7, chain_head = $8 WHERE id = $2`,
          [batchIds, clientId, kind, receivedAt, chained.batchCounts, chained.batchFirstSeq, chained.seq.toString(), chained.head, load],
        );
      }
      await runner.commitTransaction();
      const { statuses, earlierIds } = chained;
      return { statuses, batchIds, messageId: (i) => (statuses[i] === 'accepted' ? preparedId(prepared, i) : earlierIds.get(i)!) };
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }

  /** The stored payloads of logged records that a record of the request matches by id but not by hash (rare: one query for all). */
  private async payloadsWithOtherHashes(runner: QueryRunner, logged: DuplicateRow[], prepared: PreparedLogRecords): Promise<Map<string, string>> {
    if (!logged.length) return new Map();
    const storedSha = new Map(logged.map((row) => [row.record_id, row]));
    const differing = new Set<string>();
    prepared.recordIds.forEach((recordId, i) => {
      const row = storedSha.get(recordId);
      if (row && row.payload_sha256 !== preparedSha(prepared, i)) differing.add(row.id);
    });
    if (!differing.size) return new Map();
    const rows: { id: string; payload: string }[] = await runner.query('SELECT id, payload FROM inbound_message WHERE id = ANY($1::uuid[])', [[...differing]]);
    return new Map(rows.map((row) => [row.id, row.payload]));
  }

  async findForClient(clientId: string, messageId: string): Promise<MessageView | undefined> {
    const rows = await this.db.query(
      `SELECT id, record_id, kind, batch_id, state, received_at, processed_at, error, warnings, chain_seq, row_hash
       FROM message_state WHERE id = $1 AND client_id = $2`,
      [messageId, clientId],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      id: r.id, recordId: r.record_id, kind: r.kind, batchId: r.batch_id, state: r.state, receivedAt: r.received_at,
      processedAt: r.processed_at, error: r.error, warnings: r.warnings, chainSeq: String(r.chain_seq), rowHash: r.row_hash,
    };
  }

  async countByState(): Promise<Record<MessageState, number>> {
    const rows = await this.db.query(`SELECT state, count(*)::int AS n FROM message_state GROUP BY state`);
    const counts: Record<MessageState, number> = { accepted: 0, processed: 0, dead: 0 };
    for (const r of rows) counts[r.state as MessageState] = r.n;
    return counts;
  }

  /** Runs work holding the checkpoint lock, waiting for a checkpoint in progress to be written first. */
  async serialisedCheckpoint<T>(work: () => Promise<T>): Promise<T> {
    return withAdvisoryLock(this.db, CHECKPOINT_LOCK, 'wait', work);
  }

  /** Every client's chain head, in one snapshot: intake moves a head and adds its rows in one transaction. */
  async chainHeads(): Promise<{ log: string; heads: LoggedChainHead[] }> {
    const rows: { client_id: string; last_seq: string; chain_head: string; row_hash: string | null; log: string }[] = await this.db.query(
      `SELECT c.id AS client_id, c.chain_seq::text AS last_seq, c.chain_head, m.row_hash, current_database() AS log
       FROM exchange_client c
       LEFT JOIN LATERAL (SELECT row_hash FROM inbound_message WHERE client_id = c.id AND chain_seq = c.chain_seq) m ON true
       ORDER BY c.id`,
    );
    const [{ log }] = rows.length ? rows : await this.db.query('SELECT current_database() AS log');
    return {
      log,
      heads: rows.map((r) => ({ clientId: r.client_id, lastSeq: r.last_seq, headHash: r.chain_head, rowHash: r.last_seq === '0' ? r.chain_head : r.row_hash })),
    };
  }

  /** The rows at the given (client, sequence) pairs, in one query: by the (client_id, chain_seq) key. */
  async rowsAt(pairs: readonly { clientId: string; seq: string }[]): Promise<RowAtSequence[]> {
    if (!pairs.length) return [];
    const rows: { client_id: string; chain_seq: string; id: string; row_hash: string }[] = await this.db.query(
      `SELECT m.client_id, m.chain_seq::text, m.id, m.row_hash
       FROM unnest($1::text[], $2::bigint[]) AS p(client_id, seq)
       JOIN inbound_message m ON m.client_id = p.client_id AND m.chain_seq = p.seq`,
      [pairs.map((p) => p.clientId), pairs.map((p) => p.seq)],
    );
    return rows.map((r) => ({ clientId: r.client_id, seq: r.chain_seq, messageId: r.id, rowHash: r.row_hash }));
  }

  /** Each client's last sequence in the log now (for what a checkpoint does not yet cover). */
  async lastSequences(): Promise<Map<string, string>> {
    const rows: { id: string; chain_seq: string }[] = await this.db.query('SELECT id, chain_seq::text FROM exchange_client');
    return new Map(rows.map((r) => [r.id, r.chain_seq]));
  }

  /**
   * Recomputes every client's chain from the genesis hash, in keyset pages, and returns
   * the first broken link of each broken chain (payload changed, link changed, rows missing, head moved).
   */
  async verifyChains(onProgress?: (checked: number) => void): Promise<{ checked: number; clients: number; breaks: ChainBreak[]; archivedThrough?: number }> {
    const clients = await this.db.query('SELECT id, chain_seq, chain_head FROM exchange_client ORDER BY id');
    const archived = await this.archivedHeads();
    const breaks: ChainBreak[] = [];
    let checked = 0;
    for (const client of clients) {
      // After an archived year, a chain goes on from the head the archive recorded (its rows are in the archive file).
      const from = archived.heads.get(client.id);
      let prev = from?.headHash ?? GENESIS_HASH;
      let expectedSeq = from ? BigInt(from.lastSeq) + 1n : 1n;
      let broken: ChainBreak | undefined;
      let after = '0';
      for (;;) {
        const page = await this.db.query(
          `SELECT id, record_id, chain_seq, payload, payload_sha256, prev_hash, row_hash, received_at
           FROM inbound_message WHERE client_id = $1 AND chain_seq > $2 ORDER BY chain_seq LIMIT 5000`,
          [client.id, after],
        );
        for (const row of page) {
          checked++;
          const seq = BigInt(row.chain_seq);
          const at = (reason: string): ChainBreak => ({ clientId: client.id, chainSeq: row.chain_seq, messageId: row.id, reason });
          if (seq !== expectedSeq) broken = at(`sequence jumps from ${expectedSeq - 1n} to ${seq}: rows are missing`);
          else if (sha256Hex(row.payload) !== row.payload_sha256) broken = at('payload does not match its SHA-256');
          else if (row.prev_hash !== prev) broken = at('previous-hash link does not match the preceding row');
          else if (chainHash(prev, client.id, seq, row.record_id, row.received_at.toISOString(), row.payload_sha256) !== row.row_hash) broken = at('row hash does not match its contents');
          if (broken) break;
          prev = row.row_hash;
          expectedSeq = seq + 1n;
        }
        onProgress?.(checked);
        if (broken || page.length < 5000) break;
        after = page[page.length - 1].chain_seq;
      }
      if (!broken && (BigInt(client.chain_seq) !== expectedSeq - 1n || client.chain_head !== prev)) {
        broken = { clientId: client.id, chainSeq: String(client.chain_seq), messageId: null, reason: `chain head (seq ${client.chain_seq}) does not match the last row (seq ${expectedSeq - 1n})` };
      }
      if (broken) breaks.push(broken);
    }
    // archivedThrough: the last year archived, when one was (the chains start from its heads).
    return { checked, clients: clients.length, breaks, ...(archived.year === null ? {} : { archivedThrough: archived.year }) };
  }

  /**
   * Where each client's chain in the database starts: the heads recorded by the latest archive (each archive
   * records every client's head after the years it took out), or none when no year was archived.
   */
  async archivedHeads(): Promise<{ year: number | null; heads: Map<string, { lastSeq: string; headHash: string }> }> {
    const [latest]: { year: number; heads: { clientId: string; lastSeq: string; headHash: string }[] }[] = await this.db.query(
      'SELECT year, heads FROM log_archive ORDER BY year DESC LIMIT 1',
    );
    if (!latest) return { year: null, heads: new Map() };
    return { year: latest.year, heads: new Map(latest.heads.map((h) => [h.clientId, { lastSeq: h.lastSeq, headHash: h.headHash }])) };
  }
}

/**
 * Puts a request's new records on the client's chain after `seq`/`head`, and encodes their rows. Synchronous,
 * and kept apart from the transaction: its per-record objects are gone before the database is waited on.
 * `logged`: the request's record ids already in the log; `storedPayloads`: theirs whose hash differs.
 */
function chainRecords(
  clientId: string, prepared: PreparedLogRecords, batchSize: number, seq: bigint, head: string, logged: DuplicateRow[], storedPayloads: Map<string, string>,
): Chained {
  const { recordIds, receivedAt } = prepared;
  const loggedBefore = new Map(logged.map((row) => [row.record_id, row]));
  // Record ids accepted earlier in this request, with the record's position: a number each, no object.
  const acceptedHere = new Map<string, number>();
  const statuses: StoreStatus[] = new Array(recordIds.length);
  const earlierIds = new Map<number, string>();
  const picks: number[] = [];
  const tails: string[] = []; // CHAIN_LOG_COLUMNS of each picked row, as COPY text
  const batchIds: string[] = [];
  const batchCounts: number[] = [];
  const batchFirstSeq: string[] = [];
  let prev = head;
  for (let i = 0; i < recordIds.length; i++) {
    const recordId = recordIds[i];
    const sha = preparedSha(prepared, i);
    const before = loggedBefore.get(recordId);
    const here = before ? undefined : acceptedHere.get(recordId);
    if (before || here !== undefined) {
      // Same bytes, or the same record written otherwise (spacing, escapes): a duplicate all the same. A record of an
      // archived year is compared by its hash only (its key is kept, its payload is in the archive file).
      const same = before
        ? before.payload_sha256 === sha || (storedPayloads.has(before.id) && sameRecordText(storedPayloads.get(before.id)!, preparedPayload(prepared, i)))
        : preparedSha(prepared, here!) === sha || sameRecordText(preparedPayload(prepared, here!), preparedPayload(prepared, i));
      statuses[i] = same ? 'duplicate' : 'record-id-reused';
      earlierIds.set(i, before ? before.id : preparedId(prepared, here!));
      continue;
    }
    if (picks.length % batchSize === 0) {
      batchIds.push(randomUUID());
      batchCounts.push(0);
      batchFirstSeq.push((seq + 1n).toString());
    }
    batchCounts[batchCounts.length - 1]++;
    seq += 1n;
    const seqText = seq.toString();
    const hash = chainHash(prev, clientId, seqText, recordId, receivedAt, sha);
    picks.push(i);
    // A uuid, digits and hex: nothing to escape.
    tails.push(`${batchIds[batchIds.length - 1]}\t${seqText}\t${prev}\t${hash}`);
    prev = hash;
    acceptedHere.set(recordId, i);
    statuses[i] = 'accepted';
  }
  return { statuses, earlierIds, chunks: picks.length ? closeRows(prepared.open, picks, tails) : [], batchIds, batchCounts, batchFirstSeq, seq, head: prev };
}
