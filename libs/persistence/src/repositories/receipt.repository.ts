import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface ReceiptView {
  cursor: string;
  messageId: string;
  recordId: string;
  type: string;
  detail: Record<string, unknown> | null;
  createdAt: Date;
}

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
      cursor: String(r.id), messageId: r.message_id as string, recordId: r.record_id as string, type: r.type as string,
      detail: (r.detail as Record<string, unknown> | null) ?? null, createdAt: r.created_at as Date,
    }));
  }
}
