import { MigrationInterface, QueryRunner } from 'typeorm';
import { PersonalDataCipher } from '../personal-data-cipher';

/** A table whose citizen ids and names are sealed, and how its rows are keyed for paging through them. */
interface SealedTable {
  table: string;
  key: { column: string; type: string }[];
  citizenId: string;
  name: string;
  hash: string;
}

const SEALED_TABLES: SealedTable[] = [
  { table: 'canonical_fact', key: [{ column: 'id', type: 'bigint' }], citizenId: 'citizen_id', name: 'name', hash: 'citizen_id_hash' },
  {
    table: 'registry_card_version', key: [{ column: 'card_id', type: 'text' }, { column: 'version', type: 'int' }],
    citizenId: 'woman_citizen_id', name: 'woman_name', hash: 'woman_citizen_id_hash',
  },
  { table: 'registry_woman', key: [{ column: 'card_id', type: 'text' }], citizenId: 'citizen_id', name: 'name', hash: 'citizen_id_hash' },
  { table: 'registry_husband', key: [{ column: 'card_id', type: 'text' }], citizenId: 'citizen_id', name: 'name', hash: 'citizen_id_hash' },
  {
    table: 'registry_child', key: [{ column: 'card_id', type: 'text' }, { column: 'ordinal', type: 'smallint' }],
    citizenId: 'citizen_id', name: 'name', hash: 'citizen_id_hash',
  },
];

const PAGE = 5000;

/**
 * Citizen ids and names at rest: the facts and the registry hold them sealed (AES-256-GCM under a key
 * derived from SECRETS_KEY), and SQL finds people by a keyed hash of the id beside it (see
 * PersonalDataCipher). Rows already stored are sealed here, page by page; so the migration needs the
 * hub's key when there are any (`sanxian migrate` passes it), and `down` opens them again with it.
 */
export class SealPersonalData1765510000000 implements MigrationInterface {
  name = 'SealPersonalData1765510000000';

  constructor(private readonly secretsKey?: Buffer) {}

  async up(q: QueryRunner): Promise<void> {
    for (const t of SEALED_TABLES) await q.query(`ALTER TABLE ${t.table} ADD COLUMN ${t.hash} text`);
    await q.query(`DROP INDEX registry_woman_citizen, registry_husband_citizen, registry_child_citizen`);
    await q.query(`CREATE INDEX registry_woman_citizen ON registry_woman (citizen_id_hash)`);
    await q.query(`CREATE INDEX registry_husband_citizen ON registry_husband (citizen_id_hash)`);
    await q.query(`CREATE INDEX registry_child_citizen ON registry_child (citizen_id_hash) WHERE citizen_id_hash IS NOT NULL`);
    for (const t of SEALED_TABLES) {
      await this.rewrite(q, t, (pii, citizenId, name) => [pii.seal(citizenId), pii.seal(name), pii.lookup(citizenId)]);
      await q.query(`COMMENT ON COLUMN ${t.table}.${t.citizenId} IS 'sealed: AES-256-GCM under a key derived from SECRETS_KEY'`);
      await q.query(`COMMENT ON COLUMN ${t.table}.${t.name} IS 'sealed: AES-256-GCM under a key derived from SECRETS_KEY'`);
      await q.query(`COMMENT ON COLUMN ${t.table}.${t.hash} IS 'HMAC-SHA-256 of the citizen id under a key derived from SECRETS_KEY: find and join by this'`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of SEALED_TABLES) {
      await this.rewrite(q, t, (pii, citizenId, name) => [pii.open(citizenId), pii.open(name), null]);
      await q.query(`COMMENT ON COLUMN ${t.table}.${t.citizenId} IS NULL`);
      await q.query(`COMMENT ON COLUMN ${t.table}.${t.name} IS NULL`);
    }
    await q.query(`DROP INDEX registry_woman_citizen, registry_husband_citizen, registry_child_citizen`);
    for (const t of SEALED_TABLES) await q.query(`ALTER TABLE ${t.table} DROP COLUMN ${t.hash}`);
    await q.query(`CREATE INDEX registry_woman_citizen ON registry_woman (citizen_id)`);
    await q.query(`CREATE INDEX registry_husband_citizen ON registry_husband (citizen_id)`);
    await q.query(`CREATE INDEX registry_child_citizen ON registry_child (citizen_id) WHERE citizen_id IS NOT NULL`);
  }

  /** Rewrites every row with an id or a name, a page at a time in key order. */
  private async rewrite(
    q: QueryRunner,
    t: SealedTable,
    change: (pii: PersonalDataCipher, citizenId: string | null, name: string | null) => [string | null, string | null, string | null],
  ): Promise<void> {
    const keys = t.key.map((k) => k.column);
    const keyList = keys.join(', ');
    let after: unknown[] | undefined;
    let pii: PersonalDataCipher | undefined;
    for (;;) {
      const params: unknown[] = after ?? [];
      const rows: Record<string, any>[] = await q.query(
        `SELECT ${keyList}, ${t.citizenId} AS citizen_id, ${t.name} AS name FROM ${t.table}
         WHERE (${t.citizenId} IS NOT NULL OR ${t.name} IS NOT NULL) ${after ? `AND (${keyList}) > (${keys.map((_, i) => `$${i + 1}`).join(', ')})` : ''}
         ORDER BY ${keyList} LIMIT ${PAGE}`,
        params,
      );
      if (!rows.length) return;
      if (!this.secretsKey) {
        throw new Error(`${this.name}: ${t.table} holds citizen ids or names, which need the hub's key: run \`npx sanxian migrate\` with the hub's SECRETS_KEY (or SECRETS_KEY_FILE)`);
      }
      pii ??= new PersonalDataCipher(this.secretsKey);
      const changed = rows.map((r) => change(pii!, r.citizen_id, r.name));
      const columns = [...t.key.map((k) => rows.map((r) => r[k.column])), changed.map((c) => c[0]), changed.map((c) => c[1]), changed.map((c) => c[2])];
      const types = [...t.key.map((k) => `$${t.key.indexOf(k) + 1}::${k.type}[]`), ...[0, 1, 2].map((i) => `$${t.key.length + i + 1}::text[]`)];
      await q.query(
        `UPDATE ${t.table} t SET ${t.citizenId} = s.citizen_id, ${t.name} = s.name, ${t.hash} = s.hash
         FROM unnest(${types.join(', ')}) AS s(${keyList}, citizen_id, name, hash)
         WHERE ${keys.map((k) => `t.${k} = s.${k}`).join(' AND ')}`,
        columns,
      );
      after = keys.map((k) => rows[rows.length - 1][k]);
    }
  }
}
