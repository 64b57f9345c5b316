import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('exchange_receipt')
export class ExchangeReceiptEntity {
  /** Keyed by client and sequence (a bigserial): the order a client reads its receipts in. */
  @PrimaryColumn({ type: 'text', name: 'client_id' }) clientId!: string;
  @PrimaryColumn({ type: 'bigint' }) id!: string;
  @Column({ type: 'uuid', name: 'message_id' }) messageId!: string;
  @Column({ type: 'text', name: 'record_id' }) recordId!: string;
  @Column({ type: 'text' }) type!: string;
  @Column({ type: 'jsonb', nullable: true }) detail!: Record<string, unknown> | null;
  @Column({ type: 'timestamptz', name: 'created_at' }) createdAt!: Date;
}
