import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { copyEncoded } from '../copy-rows';

/**
 * Every kind of receipt the hub sends an agency (docs/exchange-contract.md): the one list, so that
 * no caller can write a kind the contract does not know.
 */
export const RECEIPT_TYPES = ['processed', 'dead', 'discrepancy-raised', 'resolved', 'disputed', 'correction', 'verification-requested'] as const;
export type ReceiptType = (typeof RECEIPT_TYPES)[number];

/** The kinds a discrepancy's life sends to the senders of its evidence. */
export type DiscrepancyReceiptType = Extract<ReceiptType, 'discrepancy-raised' | 'resolved' | 'disputed' | 'correction'>;

export interface ReceiptView {
  cursor: string;
  messageId: string;
  recordId: string;
  type: ReceiptType;
  detail: Record<string, unknown> | null;
  createdAt: Date;
}

/** The columns of a `processed` receipt line, as ProcessedBatchBuilder encodes it for COPY. */
export const PROCESSED_RECEIPT_COLUMNS = ['client_id', 'message_id', 'record_id', 'type'];

/**
 * The exchange receipts: the one place that writes them (evidence is append-only: receipts are
 * never updated or deleted) and where clients read theirs. Writes take the caller's transaction,
 * so that a receipt commits with what it reports.
 */
@Injectable()
export class ReceiptRepository {
  constructor(private readonly db: DataSource) {}

  /** A client's receipts after a cursor, oldest first; the cursor is the receipt's sequence number. */
  async listForClient(clientId: string, after: string, limit: number): Promise<ReceiptView[]> {
    const rows = await this.db.query(
      `SELECT id, message_id, record_id, type, detail, created_at FROM exchange_receipt
       WHERE client_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
      [clientId, after, limit],
    );
    return rows.map((r: Record<string, unknown>) => ({
      cursor: String(r.id), messageId: r.message_id as string, recordId: r.record_id as string, type: r.type as ReceiptType,
      detail: (r.detail as Record<string, unknown> | null) ?? null, createdAt: r.created_at as Date,
    }));
  }

  /** A batch's `processed` receipts, encoded for COPY (PROCESSED_RECEIPT_COLUMNS); their unique index refuses a second run. */
  async addProcessed(tx: EntityManager, lines: Buffer[]): Promise<void> {
    await copyEncoded(tx.queryRunner!, 'exchange_receipt', PROCESSED_RECEIPT_COLUMNS, lines);
  }

  /** A `dead` receipt per message, with the error that killed it. */
  async addDead(tx: EntityManager, dead: readonly { messageId: string; error: string }[]): Promise<void> {
    if (!dead.length) return;
    await tx.query(
      `INSERT INTO exchange_receipt (client_id, message_id, record_id, type, detail)
       SELECT m.client_id, m.id, m.record_id, 'dead', jsonb_build_object('error', f.error)
       FROM unnest($1::uuid[], $2::text[]) AS f(id, error) JOIN inbound_message m ON m.id = f.id`,
      [dead.map((d) => d.messageId), dead.map((d) => d.error)],
    );
  }

  /** One receipt to the sender of one message. */
  async addForMessage(tx: EntityManager, messageId: string, type: ReceiptType, detail: unknown): Promise<void> {
    await tx.query(
      `INSERT INTO exchange_receipt (client_id, message_id, record_id, type, detail)
       SELECT m.client_id, m.id, m.record_id, $2, $3::jsonb FROM inbound_message m WHERE m.id = $1`,
      [messageId, type, JSON.stringify(detail)],
    );
  }

  /** One receipt per message, to the client that sent it (agency messages only, not registry cards, if asked). */
  async addForMessages(tx: EntityManager, messageIds: readonly string[], type: ReceiptType, detail: unknown, options: { agencyOnly: boolean }): Promise<void> {
    if (!messageIds.length) return;
    await tx.query(
      `INSERT INTO exchange_receipt (client_id, message_id, record_id, type, detail)
       SELECT m.client_id, m.id, m.record_id, $2, $3::jsonb FROM inbound_message m
       WHERE m.id = ANY($1::uuid[]) ${options.agencyOnly ? `AND m.kind <> 'registry-card'` : ''}
       ORDER BY m.id`,
      [messageIds, type, JSON.stringify(detail)],
    );
  }

  /** One receipt per evidence message of each discrepancy, telling its id, kind and status as they stand in `tx`. */
  async addForDiscrepancies(tx: EntityManager, discrepancyIds: readonly string[], type: DiscrepancyReceiptType): Promise<void> {
    if (!discrepancyIds.length) return;
    await tx.query(
      `INSERT INTO exchange_receipt (client_id, message_id, record_id, type, detail)
       SELECT m.client_id, m.id, m.record_id, $2,
         jsonb_build_object('discrepancyId', d.id, 'kind', d.kind, 'status', d.status)
       FROM discrepancy d
       CROSS JOIN LATERAL jsonb_array_elements_text(d.evidence->'messageIds') AS e(message_id)
       JOIN inbound_message m ON m.id = e.message_id::uuid
       WHERE d.id = ANY($1::uuid[])`,
      [discrepancyIds, type],
    );
  }
}
