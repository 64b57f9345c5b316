import { MigrationInterface, QueryRunner } from 'typeorm';
import { PersonalDataCipher } from '../personal-data-cipher';
import { SEALED_TABLES, rewritePersonalData } from '../personal-data-tables';

/**
 * Citizen ids and names at rest: the facts and the registry hold them sealed (under a key derived from
 * SECRETS_KEY, in PersonalDataCipher's current format), and SQL finds people by a keyed hash of the id beside it (see
 * PersonalDataCipher). Rows already stored are sealed here, page by page; so the migration needs the
 * hub's key when there are any (`sanxian migrate` passes it), and `down` opens them again with it.
 */
export class SealPersonalData1765510000000 implements MigrationInterface {
  name = 'SealPersonalData1765510000000';

  private pii: PersonalDataCipher | undefined;

  constructor(private readonly secretsKey?: Buffer) {}

  /** Asked for only when there are rows to rewrite: an empty database migrates without the key. */
  private cipher(): PersonalDataCipher {
    if (!this.secretsKey) {
      throw new Error(`${this.name}: the database holds citizen ids or names, which need the hub's key: run \`npx sanxian migrate\` with the hub's SECRETS_KEY (or SECRETS_KEY_FILE)`);
    }
    this.pii ??= new PersonalDataCipher(this.secretsKey);
    return this.pii;
  }

  async up(q: QueryRunner): Promise<void> {
    for (const t of SEALED_TABLES) await q.query(`ALTER TABLE ${t.table} ADD COLUMN ${t.hash} text`);
    await q.query(`DROP INDEX registry_woman_citizen, registry_husband_citizen, registry_child_citizen`);
    await q.query(`CREATE INDEX registry_woman_citizen ON registry_woman (citizen_id_hash)`);
    await q.query(`CREATE INDEX registry_husband_citizen ON registry_husband (citizen_id_hash)`);
    await q.query(`CREATE INDEX registry_child_citizen ON registry_child (citizen_id_hash) WHERE citizen_id_hash IS NOT NULL`);
    await rewritePersonalData(q, (citizenId, name) => {
      const pii = this.cipher();
      return [pii.seal(citizenId), pii.seal(name), pii.lookup(citizenId)];
    });
    for (const t of SEALED_TABLES) {
      await q.query(`COMMENT ON COLUMN ${t.table}.${t.citizenId} IS 'sealed: AES-256-GCM under a key derived from SECRETS_KEY'`);
      await q.query(`COMMENT ON COLUMN ${t.table}.${t.name} IS 'sealed: AES-256-GCM under a key derived from SECRETS_KEY'`);
      await q.query(`COMMENT ON COLUMN ${t.table}.${t.hash} IS 'HMAC-SHA-256 of the citizen id under a key derived from SECRETS_KEY: find and join by this'`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await rewritePersonalData(q, (citizenId, name) => {
      const pii = this.cipher();
      return [pii.open(citizenId), pii.open(name), null];
    });
    for (const t of SEALED_TABLES) {
      await q.query(`COMMENT ON COLUMN ${t.table}.${t.citizenId} IS NULL`);
      await q.query(`COMMENT ON COLUMN ${t.table}.${t.name} IS NULL`);
    }
    await q.query(`DROP INDEX registry_woman_citizen, registry_husband_citizen, registry_child_citizen`);
    for (const t of SEALED_TABLES) await q.query(`ALTER TABLE ${t.table} DROP COLUMN ${t.hash}`);
    await q.query(`CREATE INDEX registry_woman_citizen ON registry_woman (citizen_id)`);
    await q.query(`CREATE INDEX registry_husband_citizen ON registry_husband (citizen_id)`);
    await q.query(`CREATE INDEX registry_child_citizen ON registry_child (citizen_id) WHERE citizen_id IS NOT NULL`);
  }
}
