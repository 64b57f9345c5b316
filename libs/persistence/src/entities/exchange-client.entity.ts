import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('exchange_client')
export class ExchangeClientEntity {
  @PrimaryColumn({ type: 'text' }) id!: string;
  @Column({ type: 'text' }) agency!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'text', name: 'secret_ciphertext' }) secretCiphertext!: string;
  @Column({ type: 'bigint', name: 'chain_seq' }) chainSeq!: string;
  @Column({ type: 'text', name: 'chain_head' }) chainHead!: string;
  @Column({ type: 'timestamptz', name: 'created_at' }) createdAt!: Date;
  @Column({ type: 'timestamptz', name: 'revoked_at', nullable: true }) revokedAt!: Date | null;
}
