import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One person mentioned by one message, normalised: the unit that linkage and reconciliation work on. */
@Entity('canonical_fact')
export class CanonicalFactEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Column({ type: 'uuid', name: 'message_id' }) messageId!: string;
  @Column({ type: 'text' }) role!: string;
  @Column({ type: 'smallint' }) ordinal!: number;
  @Column({ type: 'text' }) kind!: string;
  @Column({ type: 'text' }) event!: string;
  @Column({ type: 'date', name: 'event_date' }) eventDate!: string;
  @Column({ type: 'text', name: 'region_code' }) regionCode!: string;
  @Column({ type: 'text', name: 'citizen_id', nullable: true }) citizenId!: string | null;
  @Column({ type: 'boolean', name: 'citizen_id_valid' }) citizenIdValid!: boolean;
  @Column({ type: 'text', nullable: true }) name!: string | null;
  @Column({ type: 'char', length: 1, nullable: true }) sex!: string | null;
  @Column({ type: 'date', name: 'birth_date', nullable: true }) birthDate!: string | null;
  @Column({ type: 'jsonb', nullable: true }) detail!: Record<string, unknown> | null;
  @Column({ type: 'text', name: 'client_id' }) clientId!: string;
  @Column({ type: 'timestamptz', name: 'received_at' }) receivedAt!: Date;
}
