import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Not a column: the `message_state` view derives it from the processed receipt and the dead letter. */
export type MessageState = 'accepted' | 'processed' | 'dead';

/** The append-only message log (the database refuses UPDATE and DELETE). */
@Entity('inbound_message')
export class InboundMessageEntity {
  @PrimaryColumn({ type: 'uuid' }) id!: string;
  @Column({ type: 'text', name: 'client_id' }) clientId!: string;
  @Column({ type: 'text', name: 'record_id' }) recordId!: string;
  @Column({ type: 'text' }) kind!: string;
  @Column({ type: 'uuid', name: 'batch_id' }) batchId!: string;
  @Column({ type: 'bigint', name: 'chain_seq' }) chainSeq!: string;
  @Column({ type: 'text' }) payload!: string;
  @Column({ type: 'text', name: 'payload_sha256' }) payloadSha256!: string;
  @Column({ type: 'text', name: 'prev_hash' }) prevHash!: string;
  @Column({ type: 'text', name: 'row_hash' }) rowHash!: string;
  @Column({ type: 'date', name: 'event_date', nullable: true }) eventDate!: string | null;
  @Column({ type: 'text', name: 'region_code', nullable: true }) regionCode!: string | null;
  @Column({ type: 'jsonb', nullable: true }) warnings!: unknown[] | null;
  @Column({ type: 'timestamptz', name: 'received_at' }) receivedAt!: Date;
}
