import { MigrationInterface, QueryRunner } from 'typeorm';
import { SEALED_TABLES } from '../personal-data-tables';

const FORMER = 'sealed: AES-256-GCM under a key derived from SECRETS_KEY';
const NOW = 'sealed under a key derived from SECRETS_KEY: p2: XChaCha20-Poly1305 (libsodium); p1: AES-256-GCM, the former format, still read until `sanxian secrets rotate`';

/**
 * The sealed columns' comments name both formats: values are now sealed with XChaCha20-Poly1305 (`p2:`), and a
 * database sealed before holds AES-256-GCM values (`p1:`) until a key rotation re-seals them (see PersonalDataCipher).
 * No row changes: both formats are read.
 */
export class SealedFormatComments1765710000000 implements MigrationInterface {
  name = 'SealedFormatComments1765710000000';

  async up(q: QueryRunner): Promise<void> {
    await comment(q, NOW);
  }

  async down(q: QueryRunner): Promise<void> {
    await comment(q, FORMER);
  }
}

async function comment(q: QueryRunner, text: string): Promise<void> {
  for (const t of SEALED_TABLES) {
    for (const column of [t.citizenId, t.name]) await q.query(`COMMENT ON COLUMN ${t.table}.${column} IS '${text.replace(/'/g, "''")}'`);
  }
}
