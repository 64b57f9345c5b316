import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PersonalDataCipher } from '../personal-data-cipher';
import { SEALED_TABLES, rewritePersonalData } from '../personal-data-tables';
import { SecretBox } from '../secret-box';
import { SECRET_BOX } from './client.repository';

/** The hub's processes that hold the key while they run (the CLI's own session is not one of them). */
const KEY_HOLDERS = ['sanxian-api', 'sanxian-worker'];

/**
 * Moves everything sealed under the hub's key to a new key: agency clients' secrets, and the citizen
 * ids and names of the facts and the registry with their keyed hashes. One transaction: a failure
 * leaves every value under the old key.
 */
@Injectable()
export class KeyRotationRepository {
  constructor(
    private readonly db: DataSource,
    @Inject(SECRET_BOX) private readonly secrets: SecretBox,
    private readonly pii: PersonalDataCipher,
  ) {}

  /** The api and worker sessions connected to this database now: they would go on sealing under the old key. */
  async keyHolderSessions(): Promise<{ application: string; sessions: number }[]> {
    return this.db.query(
      `SELECT application_name AS application, count(*)::int AS sessions FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = ANY($1::text[]) GROUP BY 1 ORDER BY 1`,
      [KEY_HOLDERS],
    );
  }

  async rotate(newKey: Buffer): Promise<{ clients: number; personalData: number }> {
    const nextSecrets = new SecretBox(newKey);
    const nextPii = new PersonalDataCipher(newKey);
    return this.db.transaction(async (tx) => {
      // Reads go on; a write waits (or meets its lock timeout) until the rotation commits or fails.
      await tx.query(`LOCK TABLE exchange_client, ${SEALED_TABLES.map((t) => t.table).join(', ')} IN EXCLUSIVE MODE`);
      const clients: { id: string; secret_ciphertext: string }[] = await tx.query(`SELECT id, secret_ciphertext FROM exchange_client ORDER BY id`);
      if (clients.length) {
        await tx.query(
          `UPDATE exchange_client c SET secret_ciphertext = s.sealed FROM unnest($1::text[], $2::text[]) AS s(id, sealed) WHERE c.id = s.id`,
          [clients.map((c) => c.id), clients.map((c) => nextSecrets.seal(this.secrets.open(c.secret_ciphertext)))],
        );
      }
      const personalData = await rewritePersonalData(tx.queryRunner!, (sealedId, sealedName) => {
        const citizenId = this.pii.open(sealedId);
        return [nextPii.seal(citizenId), nextPii.seal(this.pii.open(sealedName)), nextPii.lookup(citizenId)];
      });
      return { clients: clients.length, personalData };
    });
  }
}
