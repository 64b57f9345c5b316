import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { RecordKind } from '@sanxian/contracts';
import { withAdvisoryLock } from '../advisory-lock';
import { CopyLinesBuilder, copyEncoded, copyField } from '../copy-rows';
import { PersonalDataCipher } from '../personal-data-cipher';
import { ReceiptRepository } from './receipt.repository';
import { projectRegistryCards } from './registry.repository';

/** One person mentioned by one message, normalised (see canonical_fact). */
export interface FactRow {
  messageId: string;
  role: 'subject' | 'party-a' | 'party-b' | 'child' | 'mother' | 'father' | 'woman' | 'husband';
  ordinal: number;
  kind: RecordKind;
  event: string;
  eventDate: string;
  regionCode: string;
  citizenId: string | null;
  citizenIdValid: boolean;
  name: string | null;
  sex: 'M' | 'F' | null;
  birthDate: string | null;
  detail: Record<string, unknown> | null;
  clientId: string;
  /** The message's receipt time as PostgreSQL printed it (timestamptz text): passed through, never parsed. */
  receivedAt: string;
}

const FACT_COLUMNS = [
  'message_id', 'role', 'ordinal', 'kind', 'event', 'event_date', 'region_code', 'citizen_id', 'citizen_id_valid',
  'name', 'sex', 'birth_date', 'detail', 'client_id', 'received_at', 'citizen_id_hash',
];

export interface PendingMessage {
  id: string;
  clientId: string;
  recordId: string;
  kind: RecordKind;
  payload: string;
  /** timestamptz text, as the facts carry it. */
  receivedAt: string;
}

/** What identifies a message in its receipt. */
export type MessageKey = Pick<PendingMessage, 'id' | 'clientId' | 'recordId'>;

/**
 * A batch's processing, encoded for COPY before its transaction opens: while the worker waits on the
 * database it holds bytes, not thousands of objects that the garbage collector would copy on each pass.
 */
export interface ProcessedBatch {
  receipts: Buffer[];
  facts: Buffer[];
  processed: number;
  factCount: number;
  /** Registry cards among the messages: their projection is brought up to date in the same transaction. */
  cardMessageIds: string[];
}

/**
 * A fact as one line of COPY text in FACT_COLUMNS order: a template, not an array of fields, for the millions of them.
 * The citizen id and name are sealed, with the id's keyed hash beside it (see PersonalDataCipher).
 */
function factLine(f: FactRow, pii: PersonalDataCipher): string {
  return `${f.messageId}\t${f.role}\t${f.ordinal}\t${f.kind}\t${copyField(f.event)}\t${f.eventDate}\t${f.regionCode}\t${copyField(pii.seal(f.citizenId))}\t${f.citizenIdValid ? 't' : 'f'}\t${copyField(pii.seal(f.name))}\t${copyField(f.sex)}\t${copyField(f.birthDate)}\t${copyField(f.detail ? JSON.stringify(f.detail) : null)}\t${f.clientId}\t${f.receivedAt}\t${copyField(pii.lookup(f.citizenId))}`;
}

/**
 * Encodes a batch's processing message by message, so that each message's facts can be let go at once.
 * Made by IntakeRepository.batchBuilder(), which seals the facts' personal data.
 */
export class ProcessedBatchBuilder {
  private readonly receipts = new CopyLinesBuilder();
  private readonly facts = new CopyLinesBuilder();
  private processed = 0;
  private factCount = 0;
  private readonly cardMessageIds = new Set<string>();

  constructor(private readonly pii: PersonalDataCipher) {}

  add(message: MessageKey, facts: readonly FactRow[]): void {
    // In PROCESSED_RECEIPT_COLUMNS order.
    this.receipts.add(`${message.clientId}\t${message.id}\t${copyField(message.recordId)}\tprocessed`);
    this.processed++;
    for (const fact of facts) {
      this.facts.add(factLine(fact, this.pii));
      if (fact.kind === 'registry-card') this.cardMessageIds.add(fact.messageId);
    }
    this.factCount += facts.length;
  }

  finish(): ProcessedBatch {
    return { receipts: this.receipts.finish(), facts: this.facts.finish(), processed: this.processed, factCount: this.factCount, cardMessageIds: [...this.cardMessageIds] };
  }
}

/** Joins that tell, for each message `m`, whether it is processed (`p.done`) or dead (`d.dead`). */
const PENDING_ONLY = `
  LEFT JOIN LATERAL (SELECT true AS done FROM exchange_receipt r WHERE r.message_id = m.id AND r.type = 'processed' LIMIT 1) p ON true
  LEFT JOIN LATERAL (SELECT true AS dead FROM dead_letter x WHERE x.message_id = m.id LIMIT 1) d ON true`;

/**
 * A batch is a run of one client's chain (stored in one transaction under the client's lock), so
 * its messages are read through the (client, chain_seq) key: no index on batch_id is kept up.
 */
const IN_RANGE = 'm.client_id = $1 AND m.chain_seq BETWEEN $2 AND $3';

interface BatchState {
  /** The batch's chain run, as the parameters of IN_RANGE. */
  range: [string, string, string];
  /** Processed, or dead after the last attempt: nothing of it waits until it is revived. */
  finished: boolean;
  /**
   * Revived batches (and batches committed in parts, split_at) are the only ones whose messages can be part
   * processed, part not: a batch's processing commits all of it or nothing. Only they need each message's state probed.
   */
  revived: boolean;
}

async function batchState(db: { query: (sql: string, params: unknown[]) => Promise<any[]> }, batchId: string): Promise<BatchState | undefined> {
  const [row] = await db.query(
    `SELECT client_id, first_seq, last_seq, processed_at IS NOT NULL OR dead_at IS NOT NULL AS finished, revived_at IS NOT NULL OR split_at IS NOT NULL AS revived
     FROM intake_batch WHERE id = $1`,
    [batchId],
  );
  return row ? { range: [row.client_id, row.first_seq, row.last_seq], finished: row.finished, revived: row.revived } : undefined;
}

export interface DeadMessage {
  id: string;
  clientId: string;
  recordId: string;
  kind: RecordKind;
  batchId: string;
  receivedAt: Date;
  error: string | null;
}

@Injectable()
export class IntakeRepository {
  constructor(
    private readonly db: DataSource,
    private readonly receipts: ReceiptRepository,
    private readonly pii: PersonalDataCipher,
  ) {}

  /** A builder of a batch's processing (its facts sealed), for commitProcessed. */
  batchBuilder(): ProcessedBatchBuilder {
    return new ProcessedBatchBuilder(this.pii);
  }

  /** Runs work while holding a session advisory lock; returns undefined at once if another holder has it. */
  async exclusively<T>(lockKey: number, work: () => Promise<T>): Promise<T | undefined> {
    return withAdvisoryLock(this.db, lockKey, 'try', work);
  }

  async markEnqueued(batchIds: string[]): Promise<void> {
    if (batchIds.length) await this.db.query('UPDATE intake_batch SET enqueued_at = now() WHERE id = ANY($1::uuid[])', [batchIds]);
  }

  /** Batches committed but never handed to the queue (Redis was down, or the api died in between). */
  async findUnqueued(olderThanMs: number, limit = 1000): Promise<string[]> {
    const rows = await this.db.query(
      `SELECT id FROM intake_batch
       WHERE processed_at IS NULL AND dead_at IS NULL AND enqueued_at IS NULL AND created_at < now() - make_interval(secs => $1)
       ORDER BY created_at LIMIT $2`,
      [olderThanMs / 1000, limit],
    );
    return rows.map((r: { id: string }) => r.id);
  }

  /** Batches queued a while ago and still not done: their job may have been lost with Redis. */
  async findQueuedButUnfinished(olderThanMs: number, limit = 1000): Promise<string[]> {
    const rows = await this.db.query(
      `SELECT id FROM intake_batch
       WHERE processed_at IS NULL AND dead_at IS NULL AND enqueued_at < now() - make_interval(secs => $1)
       ORDER BY created_at LIMIT $2`,
      [olderThanMs / 1000, limit],
    );
    return rows.map((r: { id: string }) => r.id);
  }

  /**
   * The batch's messages neither processed nor dead. A batch's processing commits all of it or nothing,
   * so a batch never revived waits whole until it is finished. In a revived one each message is probed
   * by its own unique key (LATERAL): the plan must not depend on table statistics, or it could read
   * every receipt for every batch.
   */
  async loadPending(batchId: string): Promise<PendingMessage[]> {
    const batch = await batchState(this.db, batchId);
    if (!batch || batch.finished) return [];
    // Named as PendingMessage's fields: the driver's rows are the messages, with no second object each.
    const columns = 'm.id, m.client_id AS "clientId", m.record_id AS "recordId", m.kind, m.payload, m.received_at::text AS "receivedAt"';
    return this.db.query(
      batch.revived
        ? `SELECT ${columns} FROM inbound_message m ${PENDING_ONLY} WHERE ${IN_RANGE} AND p.done IS NULL AND d.dead IS NULL ORDER BY m.chain_seq`
        : `SELECT ${columns} FROM inbound_message m WHERE ${IN_RANGE} ORDER BY m.chain_seq`,
      batch.range,
    );
  }

  /**
   * Writes the facts of a batch and marks its messages processed, in one transaction.
   * The mark is the message's `processed` receipt, unique per message, written with its facts: a retry
   * after a crash, or a second job of the same batch, adds nothing twice.
   */
  async commitProcessed(batchId: string, batch: ProcessedBatch, failed: { messageId: string; error: string }[], options: { part?: boolean } = {}): Promise<number> {
    return this.db.transaction(async (tx) => {
      // COPY, not INSERT … ON CONFLICT: a message's receipt and its facts commit together, so none of the
      // messages loaded has either unless another job of this batch committed meanwhile; then the receipts'
      // unique index refuses this one whole, the job is retried and finds the batch finished.
      await this.receipts.addProcessed(tx, batch.receipts);
      await copyEncoded(tx.queryRunner!, 'canonical_fact', FACT_COLUMNS, batch.facts);
      if (batch.cardMessageIds.length) await projectRegistryCards(tx, batch.cardMessageIds);
      if (failed.length) await this.markDead(tx, failed);
      // Every message loaded is now processed or dead; a batch never revived had no others, unless only a part
      // of it was loaded (committed in parts around a record the database refused).
      if (options.part) await tx.query('UPDATE intake_batch SET split_at = now() WHERE id = $1 AND split_at IS NULL', [batchId]);
      const state = await batchState(tx, batchId);
      const [{ pending }] = state?.revived
        ? await tx.query(`SELECT EXISTS (SELECT 1 FROM inbound_message m ${PENDING_ONLY} WHERE ${IN_RANGE} AND p.done IS NULL AND d.dead IS NULL) AS pending`, state.range)
        : [{ pending: false }];
      if (state && !pending) await tx.query(`UPDATE intake_batch SET processed_at = now() WHERE id = $1 AND processed_at IS NULL`, [batchId]);
      return batch.processed;
    });
  }

  /** After the last attempt: every message of the batch still waiting becomes dead, with the error. */
  async markBatchDead(batchId: string, error: string): Promise<number> {
    return this.db.transaction(async (tx) => {
      const batch = await batchState(tx, batchId);
      const ids = batch ? await tx.query(`SELECT m.id FROM inbound_message m ${PENDING_ONLY} WHERE ${IN_RANGE} AND p.done IS NULL AND d.dead IS NULL`, batch.range) : [];
      await this.markDead(tx, ids.map((r: { id: string }) => ({ messageId: r.id, error })));
      await tx.query('UPDATE intake_batch SET dead_at = now(), last_error = $2 WHERE id = $1 AND processed_at IS NULL', [batchId, error]);
      return ids.length;
    });
  }

  /** Lists messages as dead (once: a message already dead keeps its first death) and tells their senders. */
  private async markDead(tx: EntityManager, failed: { messageId: string; error: string }[]): Promise<void> {
    const dead: { messageId: string; error: string }[] = await tx.query(
      `WITH dead AS (
         INSERT INTO dead_letter (message_id, error) SELECT f.id, f.error FROM unnest($1::uuid[], $2::text[]) AS f(id, error)
         ON CONFLICT (message_id) DO NOTHING
         RETURNING message_id, error)
       SELECT message_id AS "messageId", error FROM dead`,
      [failed.map((f) => f.messageId), failed.map((f) => f.error)],
    );
    await this.receipts.addDead(tx, dead);
  }

  async listDead(limit = 100): Promise<DeadMessage[]> {
    const rows = await this.db.query(
      `SELECT m.id, m.client_id, m.record_id, m.kind, m.batch_id, m.received_at, d.error
       FROM dead_letter d JOIN inbound_message m ON m.id = d.message_id
       ORDER BY d.died_at, m.chain_seq LIMIT $1`,
      [limit],
    );
    return rows.map((r: Record<string, unknown>) => ({
      id: r.id as string, clientId: r.client_id as string, recordId: r.record_id as string, kind: r.kind as RecordKind,
      batchId: r.batch_id as string, receivedAt: r.received_at as Date, error: r.error as string | null,
    }));
  }

  /**
   * Puts dead messages back to `accepted` and reopens their batches, which are returned to be
   * enqueued again; processing is idempotent, so replaying is always safe.
   */
  async reviveDead(messageIds: string[] | 'all'): Promise<{ messages: number; batchIds: string[] }> {
    return this.db.transaction(async (tx) => {
      // A CTE so that the driver hands back rows whatever the statement's command is.
      const revived: { batch_id: string }[] = await tx.query(
        `WITH listed AS (
           DELETE FROM dead_letter WHERE $1::uuid[] IS NULL OR message_id = ANY($1::uuid[]) RETURNING message_id)
         SELECT m.batch_id FROM listed JOIN inbound_message m ON m.id = listed.message_id`,
        [messageIds === 'all' ? null : messageIds],
      );
      const batchIds = [...new Set(revived.map((r) => r.batch_id))];
      if (batchIds.length) {
        await tx.query('UPDATE intake_batch SET dead_at = NULL, processed_at = NULL, enqueued_at = NULL, revived_at = now(), reconciled_at = NULL WHERE id = ANY($1::uuid[])', [batchIds]);
      }
      return { messages: revived.length, batchIds };
    });
  }

  /** Processing latency (receipt to processed) of recent batches, for /metrics. */
  async recentLatencySeconds(windowSeconds: number): Promise<{ p50: number | null; p99: number | null; batches: number }> {
    const [row] = await this.db.query(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - created_at)) AS p50,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - created_at)) AS p99,
              count(*)::int AS batches
       FROM intake_batch WHERE processed_at > now() - make_interval(secs => $1)`,
      [windowSeconds],
    );
    return { p50: row.p50 === null ? null : Number(row.p50), p99: row.p99 === null ? null : Number(row.p99), batches: row.batches };
  }

  async countUnfinishedBatches(): Promise<number> {
    const [row] = await this.db.query('SELECT count(*)::int AS n FROM intake_batch WHERE processed_at IS NULL AND dead_at IS NULL');
    return row.n;
  }
}
