import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RecordKind } from '@sanxian/contracts';
import { copyRows } from '../copy-rows';
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
  receivedAt: Date;
}

const FACT_COLUMNS = [
  'message_id', 'role', 'ordinal', 'kind', 'event', 'event_date', 'region_code', 'citizen_id', 'citizen_id_valid',
  'name', 'sex', 'birth_date', 'detail', 'client_id', 'received_at',
];

export interface PendingMessage {
  id: string;
  clientId: string;
  recordId: string;
  kind: RecordKind;
  payload: string;
  receivedAt: Date;
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
  constructor(private readonly db: DataSource) {}

  /** Runs work while holding a session advisory lock; returns undefined at once if another holder has it. */
  async exclusively<T>(lockKey: number, work: () => Promise<T>): Promise<T | undefined> {
    const runner = this.db.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [lockKey]);
      if (!locked) return undefined;
      try {
        return await work();
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [lockKey]);
      }
    } finally {
      await runner.release();
    }
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

  async loadPending(batchId: string): Promise<PendingMessage[]> {
    const rows = await this.db.query(
      `SELECT id, client_id, record_id, kind, payload, received_at FROM inbound_message
       WHERE batch_id = $1 AND state = 'accepted' ORDER BY chain_seq`,
      [batchId],
    );
    return rows.map((r: Record<string, unknown>) => ({
      id: r.id as string, clientId: r.client_id as string, recordId: r.record_id as string, kind: r.kind as RecordKind,
      payload: r.payload as string, receivedAt: r.received_at as Date,
    }));
  }

  /**
   * Writes the facts of a batch and marks its messages processed, in one transaction.
   * Idempotent: facts have a natural key (message, role, ordinal) and only messages still
   * `accepted` change state, so a retry after a crash adds nothing twice.
   */
  async commitProcessed(batchId: string, facts: FactRow[], processedIds: string[], failed: { messageId: string; error: string }[]): Promise<number> {
    return this.db.transaction(async (tx) => {
      if (facts.length) {
        // COPY into a session-local staging table, then one INSERT … ON CONFLICT: COPY is far
        // cheaper than binding fifteen large arrays, and the conflict clause keeps it idempotent.
        await tx.query(`CREATE TEMP TABLE IF NOT EXISTS canonical_fact_stage (LIKE canonical_fact INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`);
        await copyRows(tx.queryRunner!, 'canonical_fact_stage', FACT_COLUMNS, facts.map((f) => [
          f.messageId, f.role, String(f.ordinal), f.kind, f.event, f.eventDate, f.regionCode, f.citizenId, f.citizenIdValid ? 't' : 'f',
          f.name, f.sex, f.birthDate, f.detail ? JSON.stringify(f.detail) : null, f.clientId, f.receivedAt.toISOString(),
        ]));
        await tx.query(
          `INSERT INTO canonical_fact (${FACT_COLUMNS.join(', ')}) SELECT ${FACT_COLUMNS.join(', ')} FROM canonical_fact_stage
           ON CONFLICT ON CONSTRAINT canonical_fact_message_role DO NOTHING`,
        );
      }
      const processed = await tx.query(
        `WITH done AS (
           UPDATE inbound_message SET state = 'processed', processed_at = now()
           WHERE id = ANY($1::uuid[]) AND state = 'accepted'
           RETURNING id, client_id, record_id)
         INSERT INTO exchange_receipt (client_id, message_id, record_id, type)
         SELECT client_id, id, record_id, 'processed' FROM done
         ON CONFLICT DO NOTHING RETURNING 1`,
        [processedIds],
      );
      const cards = [...new Set(facts.filter((f) => f.kind === 'registry-card').map((f) => f.messageId))];
      if (cards.length) await projectRegistryCards(tx, cards);
      if (failed.length) await this.markDead(tx, failed);
      await tx.query(
        `UPDATE intake_batch SET processed_at = now()
         WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM inbound_message WHERE batch_id = $1 AND state = 'accepted')`,
        [batchId],
      );
      return processed.length;
    });
  }

  /** After the last attempt: every message of the batch still waiting becomes dead, with the error. */
  async markBatchDead(batchId: string, error: string): Promise<number> {
    return this.db.transaction(async (tx) => {
      const ids = await tx.query(`SELECT id FROM inbound_message WHERE batch_id = $1 AND state = 'accepted'`, [batchId]);
      await this.markDead(tx, ids.map((r: { id: string }) => ({ messageId: r.id, error })));
      await tx.query('UPDATE intake_batch SET dead_at = now(), last_error = $2 WHERE id = $1 AND processed_at IS NULL', [batchId, error]);
      return ids.length;
    });
  }

  private async markDead(tx: { query: (sql: string, params: unknown[]) => Promise<unknown> }, failed: { messageId: string; error: string }[]): Promise<void> {
    await tx.query(
      `WITH dead AS (
         UPDATE inbound_message m SET state = 'dead', error = f.error
         FROM unnest($1::uuid[], $2::text[]) AS f(id, error)
         WHERE m.id = f.id AND m.state = 'accepted'
         RETURNING m.id, m.client_id, m.record_id, f.error),
       listed AS (
         INSERT INTO dead_letter (message_id, error) SELECT id, error FROM dead
         ON CONFLICT (message_id) DO UPDATE SET error = EXCLUDED.error, died_at = now())
       INSERT INTO exchange_receipt (client_id, message_id, record_id, type, detail)
       SELECT client_id, id, record_id, 'dead', jsonb_build_object('error', error) FROM dead`,
      [failed.map((f) => f.messageId), failed.map((f) => f.error)],
    );
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
           DELETE FROM dead_letter WHERE $1::uuid[] IS NULL OR message_id = ANY($1::uuid[]) RETURNING message_id),
         r AS (
           UPDATE inbound_message m SET state = 'accepted', error = NULL
           FROM listed WHERE m.id = listed.message_id AND m.state = 'dead'
           RETURNING m.batch_id)
         SELECT batch_id FROM r`,
        [messageIds === 'all' ? null : messageIds],
      );
      const batchIds = [...new Set(revived.map((r) => r.batch_id))];
      if (batchIds.length) {
        await tx.query('UPDATE intake_batch SET dead_at = NULL, processed_at = NULL, enqueued_at = NULL WHERE id = ANY($1::uuid[])', [batchIds]);
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
