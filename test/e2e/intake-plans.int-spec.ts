import { Client } from 'pg';
import { DUPLICATE_PROBE_SQL } from '@sanxian/persistence';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * The intake's per-request queries must cost the same with a log of any size. This PostgreSQL has
 * autovacuum off and the tables are never analysed, as on a fresh install: plans are chosen from
 * page counts alone, and a plan that reads the whole log would make intake slow down as it grows.
 */
describe('intake query plans (a large log, no statistics)', () => {
  let database: TestDatabase;
  let db: Client;
  const LOGGED = 60_000;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = new Client({ connectionString: database.url });
    await db.connect();
    await db.query(`INSERT INTO exchange_client (id, agency, name, secret_ciphertext) VALUES ('plan-client', 'public-security', 'plans', 'x')`);
    await db.query(
      `INSERT INTO inbound_message (id, client_id, record_id, kind, batch_id, chain_seq, payload, payload_sha256, prev_hash, row_hash, received_at)
       SELECT gen_random_uuid(), 'plan-client', 'R' || g, 'hukou-change', gen_random_uuid(), g, repeat('x', 400), repeat('a', 64), repeat('0', 64), repeat('1', 64), now()
       FROM generate_series(1, $1::int) g`,
      [LOGGED],
    );
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await database?.drop();
  });

  async function plan(sql: string, params: unknown[]): Promise<{ text: string; sharedHits: number; rows: number }> {
    const [row] = (await db.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, params)).rows;
    const top = row['QUERY PLAN'][0].Plan;
    return { text: JSON.stringify(top), sharedHits: top['Shared Hit Blocks'] + top['Shared Read Blocks'], rows: top['Actual Rows'] };
  }

  it('the duplicate probe reads a few index pages per record, not the client log', async () => {
    const fresh = Array.from({ length: 5000 }, (_, i) => `NEW-${i}`);
    const probe = await plan(DUPLICATE_PROBE_SQL, ['plan-client', fresh]);
    expect(probe.rows).toBe(0);
    expect(probe.text).toContain('inbound_message_client_record');
    expect(probe.text).not.toMatch(/Hash Join|Seq Scan|Bitmap Heap Scan/);
    // An index descent is three or four pages; the whole log is thousands.
    expect(probe.sharedHits / fresh.length).toBeLessThan(6);

    const logged = ['R1', `R${LOGGED}`, 'R777'];
    const found = await plan(DUPLICATE_PROBE_SQL, ['plan-client', logged]);
    expect(found.rows).toBe(3);
  });
});
