import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { TestDatabase, createTestDatabase } from '../../../../test/support/test-database';
import { dataSourceOptions, runMigrations } from '../data-source-options';
import { PersonalDataCipher } from '../personal-data-cipher';
import { migrationsWithKey } from './index';

jest.setTimeout(60_000);

const WOMAN = { citizenId: '511325199001010021', name: '王芳' };
const HUSBAND = { citizenId: '511325198805050031', name: '李强' };
const CHILD = { citizenId: '511325202001010042', name: '李小红' };

/**
 * A hub that stored citizen ids and names in clear (before SealPersonalData) is migrated: its rows
 * are sealed with the hub's key and given the ids' keyed hashes; without the key the migration refuses.
 */
/** Whether SealPersonalData is applied: undoing it means undoing every later migration first. */
const sealed = async (ds: DataSource) => (await ds.query(`SELECT 1 FROM schema_migration WHERE name = 'SealPersonalData1765510000000'`)).length > 0;

describe('migration SealPersonalData: the rows already stored are sealed', () => {
  let db: TestDatabase;
  let sql: Client;
  const secretsKey = randomBytes(32);
  const pii = new PersonalDataCipher(secretsKey);

  beforeAll(async () => {
    db = await createTestDatabase();
    // Back to the schema before the migration (it and every later one undone, latest first: the
    // tables are empty, no key needed), then rows in clear.
    const ds = new DataSource({ ...dataSourceOptions(db.url, { poolSize: 1 }), migrations: migrationsWithKey(undefined) });
    await ds.initialize();
    while (await sealed(ds)) await ds.undoLastMigration({ transaction: 'each' });
    await ds.destroy();
    sql = new Client({ connectionString: db.url });
    await sql.connect();
    const messageId = randomUUID();
    await sql.query(
      `INSERT INTO inbound_message (id, client_id, record_id, kind, batch_id, chain_seq, payload, payload_sha256, prev_hash, row_hash, received_at)
       VALUES ($1, 'fp', 'R1', 'registry-card', $2, 1, '{}', repeat('0', 64), repeat('0', 64), repeat('0', 64), now())`,
      [messageId, randomUUID()],
    );
    await sql.query(
      `INSERT INTO canonical_fact (message_id, role, kind, event, event_date, region_code, citizen_id, citizen_id_valid, name, client_id, received_at)
       VALUES ($1, 'woman', 'registry-card', 'card', '2025-01-01', '511325101001', $2, true, $3, 'fp', now()),
              ($1, 'husband', 'registry-card', 'card', '2025-01-01', '511325101001', NULL, false, $4, 'fp', now())`,
      [messageId, WOMAN.citizenId, WOMAN.name, HUSBAND.name],
    );
    await sql.query(
      `INSERT INTO registry_card_version (card_id, version, message_id, event_date, received_at, region_code, woman_citizen_id, woman_citizen_id_valid,
         woman_name, marital_status, residence_status)
       VALUES ('C-1', 1, $1, '2025-01-01', now(), '511325101001', $2, true, $3, 'married', 'resident')`,
      [messageId, WOMAN.citizenId, WOMAN.name],
    );
    await sql.query(
      `INSERT INTO registry_woman (card_id, version, message_id, event_date, region_code, township_code, citizen_id, citizen_id_valid, name,
         marital_status, residence_status)
       VALUES ('C-1', 1, $1, '2025-01-01', '511325101001', '511325101', $2, true, $3, 'married', 'resident')`,
      [messageId, WOMAN.citizenId, WOMAN.name],
    );
    await sql.query(`INSERT INTO registry_husband (card_id, citizen_id, citizen_id_valid, name) VALUES ('C-1', $1, true, $2)`, [HUSBAND.citizenId, HUSBAND.name]);
    await sql.query(
      `INSERT INTO registry_child (card_id, ordinal, citizen_id, citizen_id_valid, name, sex, birth_date, birth_order, policy_compliant)
       VALUES ('C-1', 0, $1, true, $2, 'F', '2020-01-01', 1, true), ('C-1', 1, NULL, false, NULL, 'M', '2025-06-01', 2, true)`,
      [CHILD.citizenId, CHILD.name],
    );
  });

  afterAll(async () => {
    await sql?.end();
    await db?.drop();
  });

  const stored = async () => ({
    facts: (await sql.query(`SELECT role, citizen_id, name, citizen_id_hash FROM canonical_fact ORDER BY role DESC`)).rows,
    version: (await sql.query(`SELECT woman_citizen_id AS citizen_id, woman_name AS name, woman_citizen_id_hash AS citizen_id_hash FROM registry_card_version`)).rows,
    woman: (await sql.query(`SELECT citizen_id, name, citizen_id_hash FROM registry_woman`)).rows,
    husband: (await sql.query(`SELECT citizen_id, name, citizen_id_hash FROM registry_husband`)).rows,
    children: (await sql.query(`SELECT citizen_id, name, citizen_id_hash FROM registry_child ORDER BY ordinal`)).rows,
  });

  it('refuses to run without the hub\'s key, naming it, and changes nothing', async () => {
    await expect(runMigrations(db.url)).rejects.toThrow(/holds citizen ids or names.*SECRETS_KEY/);
    const { rows } = await sql.query(`SELECT name FROM registry_woman`);
    expect(rows).toEqual([{ name: WOMAN.name }]);
  });

  it('seals every id and name with the key, and stores the ids\' keyed hashes (the same id, the same hash)', async () => {
    // It runs first; the migrations after it follow.
    expect((await runMigrations(db.url, { secretsKey }))[0]).toBe('SealPersonalData1765510000000');
    const after = await stored();
    expect(JSON.stringify(after)).not.toMatch(/511325|王芳|李强|李小红/);
    const opened = (rows: { citizen_id: string | null; name: string | null; citizen_id_hash: string | null }[]) =>
      rows.map((r) => ({ citizenId: pii.open(r.citizen_id), name: pii.open(r.name), hash: r.citizen_id_hash }));
    const person = (p: { citizenId: string | null; name: string | null }) => ({ ...p, hash: pii.lookup(p.citizenId) });
    expect(opened(after.facts)).toEqual([person(WOMAN), person({ citizenId: null, name: HUSBAND.name })]);
    expect(opened(after.version)).toEqual([person(WOMAN)]);
    expect(opened(after.woman)).toEqual([person(WOMAN)]);
    expect(opened(after.husband)).toEqual([person(HUSBAND)]);
    expect(opened(after.children)).toEqual([person(CHILD), person({ citizenId: null, name: null })]);
    // Equal values are sealed differently (a fresh nonce each): a dump does not show who appears twice.
    expect(after.facts[0].citizen_id).not.toBe(after.woman[0].citizen_id);
    expect(after.facts[0].citizen_id_hash).toBe(after.woman[0].citizen_id_hash);
    // Sealed in the current format, which the columns' comments name with the former one (SealedFormatComments).
    expect(after.woman[0].citizen_id).toMatch(/^p2:/);
    const { rows: comments } = await sql.query(`SELECT col_description('registry_woman'::regclass, attnum) AS comment FROM pg_attribute WHERE attrelid = 'registry_woman'::regclass AND attname IN ('citizen_id', 'name') ORDER BY attnum`);
    expect(comments.map((c: { comment: string }) => c.comment)).toEqual([expect.stringMatching(/^sealed .*p2: XChaCha20-Poly1305.*p1: AES-256-GCM/), expect.stringMatching(/^sealed .*p2:/)]);
  });

  it('opens them again when undone with the key', async () => {
    const ds = new DataSource({ ...dataSourceOptions(db.url, { poolSize: 1 }), migrations: migrationsWithKey(secretsKey) });
    await ds.initialize();
    while (await sealed(ds)) await ds.undoLastMigration({ transaction: 'each' });
    await ds.destroy();
    expect((await sql.query(`SELECT citizen_id, name FROM registry_husband`)).rows).toEqual([HUSBAND].map((p) => ({ citizen_id: p.citizenId, name: p.name })));
    expect((await sql.query(`SELECT name FROM canonical_fact ORDER BY role DESC`)).rows).toEqual([{ name: WOMAN.name }, { name: HUSBAND.name }]);
  });
});
