import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('intake_batch')
export class IntakeBatchEntity {
  @PrimaryColumn({ type: 'uuid' }) id!: string;
  @Column({ type: 'text', name: 'client_id' }) clientId!: string;
  @Column({ type: 'text' }) kind!: string;
  @Column({ type: 'integer', name: 'record_count' }) recordCount!: number;
  /** regular, initial or history (IntakeLoad). */
  @Column({ type: 'text', default: 'regular' }) load!: string;
  @Column({ type: 'timestamptz', name: 'created_at' }) createdAt!: Date;
  /** The batch's run of its client's chain: its messages are (client_id, chain_seq) first_seq … last_seq. */
  @Column({ type: 'bigint', name: 'first_seq' }) firstSeq!: string;
  @Column({ type: 'bigint', name: 'last_seq' }) lastSeq!: string;
  @Column({ type: 'timestamptz', name: 'enqueued_at', nullable: true }) enqueuedAt!: Date | null;
  @Column({ type: 'timestamptz', name: 'processed_at', nullable: true }) processedAt!: Date | null;
  @Column({ type: 'timestamptz', name: 'dead_at', nullable: true }) deadAt!: Date | null;
  @Column({ type: 'timestamptz', name: 'revived_at', nullable: true }) revivedAt!: Date | null;
  /** Committed in parts around records the database refused: its messages may be part processed, as a revived batch's. */
  @Column({ type: 'timestamptz', name: 'split_at', nullable: true }) splitAt!: Date | null;
  @Column({ type: 'text', name: 'last_error', nullable: true }) lastError!: string | null;
}
