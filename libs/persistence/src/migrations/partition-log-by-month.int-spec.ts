import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { sha256Hex } from '@sanxian/domain';
import { TestDatabase, createTestDatabase } from '../../../../test/support/test-database';
import { dataSourceOptions } from '../data-source-options';
import { GENESIS_HASH, chainHash } from '../log-rows';
import { MessageLogRepository } from '../repositories/message-log.repository';
import { logRecords } from '../../../../test/support/log-records';
import { migrationsWithKey } from './index';

jest.setTimeout(60_000);

const partitioned = async (ds: DataSource) => (await ds.query(`SELECT 1 FROM schema_migration WHERE name = 'PartitionLogByMonth1765620000000'`)).length > 0;

/**
 * A hub with a log stored before PartitionLogByMonth is migrated: every message, fact and receipt is kept,
 * in the partition of its month; the chain still verifies; a record sent again is still a duplicate and a
 * message cannot be marked processed twice.
 */
describe('migration PartitionLogByMonth: the rows already stored move into month partitions', () => {
  let db: TestDatabase;
  let sql: Client;
  const client = 'fp-1';
  const messages: { id: string; recordId: string; receivedAt: string; seq: number; hash: string }[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const ds = new DataSource({ ...dataSourceOptions(db.url, { poolSize: 1 }), migrations: migrationsWithKey(undefined) });
    await ds.initialize();
    while (await partitioned(ds)) await ds.undoLastMigration({ transaction: 'each' });
    await ds.destroy();
    sql = new Client({ connectionString: db.url });
    await sql.connect();
    // A chain of four messages: two in November 2025, one on the last evening of December (China time), one in January.
    let prev = GENESIS_HASH;
    const times = ['2025-11-03T02:00:00.000Z', '2025-11-20T02:00:00.000Z', '2025-12-31T15:59:59.999Z', '2025-12-31T16:00:00.000Z'];
    for (const [i, receivedAt] of times.entries()) {
      const recordId = `R${i + 1}`;
      const payload = JSON.stringify({ recordId });
      const hash = chainHash(prev, client, BigInt(i + 1), recordId, receivedAt, sha256Hex(payload));
      messages.push({ id: randomUUID(), recordId, receivedAt, seq: i + 1, hash });
      await sql.query(
        `INSERT INTO inbound_message (id, client_id, record_id, kind, batch_id, chain_seq, payload, payload_sha256, prev_hash, row_hash, region_code, received_at)
         VALUES ($1, $2, $3, 'registry-card', $4, $5, $6, $7, $8, $9, '511325101001', $10)`,
        [messages[i].id, client, recordId, randomUUID(), i + 1, payload, sha256Hex(payload), prev, hash, receivedAt],
      );
      await sql.query(
        `INSERT INTO canonical_fact (message_id, role, kind, event, event_date, region_code, client_id, received_at) VALUES ($1, 'woman', 'registry-card', 'card', '2025-01-01', '511325101001', $2, $3)`,
        [messages[i].id, client, receivedAt],
      );
      await sql.query(`INSERT INTO exchange_receipt (client_id, message_id, record_id, type, created_at) VALUES ($1, $2, $3, 'processed', $4)`, [client, messages[i].id, recordId, receivedAt]);
      prev = hash;
    }
    await sql.query(`INSERT INTO exchange_client (id, agency, name, secret_ciphertext, chain_seq, chain_head) VALUES ($1, 'family-planning', 'fp', 'x', 4, $2)`, [client, prev]);
    await sql.query(`INSERT INTO dead_letter (message_id, error) VALUES ($1, 'test')`, [messages[0].id]);
    await sql.query(
      `INSERT INTO registry_woman (card_id, version, message_id, event_date, region_code, township_code, citizen_id_valid, marital_status, residence_status)
       VALUES ('C-1', 1, $1, '2025-01-01', '511325101001', '511325101', false, 'married', 'resident')`,
      [messages[1].id],
    );
    await sql.query(`INSERT INTO registry_child (card_id, ordinal, citizen_id_valid, sex, birth_date, birth_order, policy_compliant) VALUES ('C-1', 0, false, 'F', '2020-01-01', 1, true)`);

    const migrate = new DataSource({ ...dataSourceOptions(db.url, { poolSize: 1 }), migrations: migrationsWithKey(undefined) });
    await migrate.initialize();
    await migrate.runMigrations({ transaction: 'each' });
    await migrate.destroy();
  });

  afterAll(async () => {
    await sql?.end();
    await db?.drop();
  });

  it('keeps every row, each in the partition of its China month', async () => {
    const { rows } = await sql.query(`SELECT record_id, tableoid::regclass::text AS partition, county_code FROM inbound_message ORDER BY chain_seq`);
    expect(rows).toEqual([
      { record_id: 'R1', partition: 'inbound_message_y2025m11', county_code: '511325' },
      { record_id: 'R2', partition: 'inbound_message_y2025m11', county_code: '511325' },
      { record_id: 'R3', partition: 'inbound_message_y2025m12', county_code: '511325' },
      { record_id: 'R4', partition: 'inbound_message_y2026m01', county_code: '511325' },
    ]);
    const facts = await sql.query(`SELECT tableoid::regclass::text AS partition FROM canonical_fact ORDER BY id`);
    expect(facts.rows.map((r) => r.partition)).toEqual(['canonical_fact_y2025m11', 'canonical_fact_y2025m11', 'canonical_fact_y2025m12', 'canonical_fact_y2026m01']);
    expect((await sql.query(`SELECT count(*)::int AS n FROM exchange_receipt`)).rows[0].n).toBe(4);
    expect((await sql.query(`SELECT count(*)::int AS n FROM inbound_message_key`)).rows[0].n).toBe(4);
    expect((await sql.query(`SELECT county_code FROM registry_child`)).rows).toEqual([{ county_code: '511325' }]);
    expect((await sql.query(`SELECT state FROM message_state ORDER BY chain_seq`)).rows.map((r) => r.state)).toEqual(['dead', 'processed', 'processed', 'processed']);
  });

  it('keeps the chain: every row hash is the one computed before the move', async () => {
    const { rows } = await sql.query(`SELECT chain_seq::int AS seq, prev_hash, row_hash, received_at FROM inbound_message ORDER BY chain_seq`);
    let prev = GENESIS_HASH;
    for (const [i, row] of rows.entries()) {
      expect(row.prev_hash).toBe(prev);
      expect(row.row_hash).toBe(messages[i].hash);
      expect((row.received_at as Date).toISOString()).toBe(messages[i].receivedAt);
      prev = row.row_hash;
    }
  });

  it('still refuses a record logged again, a second processed receipt, a changed or deleted row', async () => {
    const again = sql.query(
      `INSERT INTO inbound_message (id, client_id, record_id, kind, batch_id, chain_seq, payload, payload_sha256, prev_hash, row_hash, received_at)
       VALUES ($1, $2, 'R1', 'registry-card', $3, 5, '{}', 'x', 'x', 'x', now())`,
      [randomUUID(), client, randomUUID()],
    );
    await expect(again).rejects.toMatchObject({ constraint: 'inbound_message_client_record' });
    await expect(sql.query(`INSERT INTO exchange_receipt (client_id, message_id, record_id, type) VALUES ($1, $2, 'R2', 'processed')`, [client, messages[1].id]))
      .rejects.toMatchObject({ constraint: 'exchange_receipt_processed' });
    // Receipts have no guard: one taken back (as a test of reprocessing does) frees its key, as the old unique index did.
    await sql.query(`DELETE FROM exchange_receipt WHERE message_id = $1`, [messages[1].id]);
    await sql.query(`INSERT INTO exchange_receipt (client_id, message_id, record_id, type, created_at) VALUES ($1, $2, 'R2', 'processed', $3)`, [client, messages[1].id, messages[1].receivedAt]);
    await expect(sql.query(`UPDATE inbound_message SET payload = '{}' WHERE record_id = 'R4'`)).rejects.toThrow(/append-only/);
    await expect(sql.query(`DELETE FROM inbound_message_y2025m11`)).rejects.toThrow(/append-only/);
    await expect(sql.query(`TRUNCATE inbound_message_y2025m12`)).rejects.toThrow(/append-only/);
    await expect(sql.query(`DELETE FROM inbound_message_key`)).rejects.toThrow(/append-only/);
  });

  it('answers a record delivered again as a duplicate of its message, and chains a new one after the moved rows', async () => {
    const ds = new DataSource({ ...dataSourceOptions(db.url, { poolSize: 2 }) });
    await ds.initialize();
    try {
      const stored = await logRecords(new MessageLogRepository(ds), client, 'registry-card', [
        { recordId: 'R1', text: JSON.stringify({ recordId: 'R1' }) }, { recordId: 'R5', text: JSON.stringify({ recordId: 'R5' }) },
      ]);
      expect(stored.statuses).toEqual(['duplicate', 'accepted']);
      expect(stored.messageId(0)).toBe(messages[0].id);
      const { breaks, checked } = await new MessageLogRepository(ds).verifyChains();
      expect({ breaks, checked }).toEqual({ breaks: [], checked: 5 });
    } finally {
      await ds.destroy();
    }
  });

  it('puts a row of a month with no partition in the DEFAULT one, and does not make that month over it', async () => {
    await sql.query(
      `INSERT INTO inbound_message (id, client_id, record_id, kind, batch_id, chain_seq, payload, payload_sha256, prev_hash, row_hash, received_at)
       VALUES ($1, 'other', 'O1', 'registry-card', $2, 1, '{}', 'x', 'x', 'x', '2030-06-15T00:00:00Z')`,
      [randomUUID(), randomUUID()],
    );
    expect((await sql.query(`SELECT tableoid::regclass::text AS p FROM inbound_message WHERE record_id = 'O1'`)).rows).toEqual([{ p: 'inbound_message_default' }]);
    const { rows } = await sql.query(`SELECT log_partitions_ensure('2030-05-01', 2) AS made`);
    expect(rows[0].made).toEqual(expect.arrayContaining(['inbound_message_y2030m05', 'inbound_message_y2030m07']));
    expect(rows[0].made).not.toContain('inbound_message_y2030m06');
  });
});
