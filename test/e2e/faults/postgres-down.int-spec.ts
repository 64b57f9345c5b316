import { Client } from 'pg';
import { loadConfig } from '@sanxian/contracts';
import { createApiApp } from '../../../apps/api/src/api.factory';
import { Hub, TestClient, send, startHub, testEnv, waitFor } from '../../support/hub-harness';
import { hukouChange } from '../../support/record-factory';
import { TEST_PG_BASE, TestDatabase, createTestDatabase } from '../../support/test-database';
import { FaultTcpProxy, freePort } from '../../support/fault-processes';

/**
 * PostgreSQL becomes unreachable under a running api (exchange contract: "503 with Retry-After when
 * the hub cannot store, so that nothing is acknowledged that is not stored"). The api reaches
 * PostgreSQL through a TCP proxy that the test cuts (every connection dropped, new ones refused)
 * and resumes. Assertions about what was stored use a direct connection that the cut does not touch.
 */
jest.setTimeout(120_000);

const SEED = 4303;
const PG = new URL(TEST_PG_BASE);

interface Problem {
  type: string;
  title: string;
  status: number;
  code?: string;
}

describe('fault: PostgreSQL unreachable under a running api', () => {
  let db: TestDatabase;
  let proxy: FaultTcpProxy;
  let hub: Hub | undefined;
  let direct: Client;
  let client: TestClient;
  let serial = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    direct = new Client({ connectionString: db.url });
    await direct.connect();
    proxy = new FaultTcpProxy({ host: PG.hostname, port: Number(PG.port || 5432) });
    await proxy.start();
    const proxied = new URL(db.url);
    proxied.port = String(proxy.port);
    // No worker: this is about intake.
    hub = await startHub({ db, worker: false, env: { DATABASE_URL: proxied.toString() } });
    client = await hub.createClient('public-security');
  });

  afterAll(async () => {
    await proxy?.resume().catch(() => undefined); // so that the api's pool can close cleanly
    await hub?.close().catch(() => undefined);
    await proxy?.close().catch(() => undefined);
    await direct?.end().catch(() => undefined);
    await db?.drop().catch(() => undefined);
  });

  const batch = (n: number) => ({ records: Array.from({ length: n }, () => hukouChange(++serial, SEED)) });
  const push = (body: object) => send(hub!.url, client, 'POST', '/v1/exchange/hukou-changes', body);

  async function storedCount(): Promise<number> {
    const { rows } = await direct.query('SELECT count(*)::int AS n FROM inbound_message');
    return rows[0].n;
  }

  async function expectUnavailable(res: Response): Promise<void> {
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    const problem = (await res.json()) as Problem & Record<string, unknown>;
    expect(problem).toMatchObject({ status: 503, code: 'storage-unavailable' });
    expect(typeof problem.type).toBe('string');
    expect(typeof problem.title).toBe('string');
    // Nothing is acknowledged: no per-record results, nothing "accepted".
    expect(problem).not.toHaveProperty('results');
    expect(problem).not.toHaveProperty('accepted');
  }

  // The scenario runs in steps; each is its own test so that a failure says which part broke.
  const first = batch(10);
  const second = batch(20);
  const third = batch(30);

  it('stores a batch while PostgreSQL is reachable', async () => {
    const res = await push(first);
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 10, duplicates: 0, rejected: 0 });
    expect(await storedCount()).toBe(10);
  });

  it('answers 503 with Retry-After and a problem document, storing nothing, once PostgreSQL is cut off', async () => {
    await proxy.cut();
    const started = Date.now();
    await expectUnavailable(await push(second));
    expect(Date.now() - started).toBeLessThan(15_000); // fails fast, no hang (not a benchmark)
    // And again: a retry while it is still down gets the same answer.
    await expectUnavailable(await push(second));
    expect(await storedCount()).toBe(10);
    const health = await fetch(`${hub!.url}/health/ready`);
    expect(health.status).toBe(503);
    // Staff sign-in needs the database too (throttle counters, the user): a 503 to retry, not a 500.
    const signIn = await fetch(`${hub!.url}/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'someone', password: 'something' }) });
    expect(signIn.status).toBe(503);
    expect(signIn.headers.get('retry-after')).toBe('5');
  });

  it('accepts the retried batch once PostgreSQL is reachable again, exactly once', async () => {
    await proxy.resume();
    // The pool may hand out a connection that died with the cut once; the contract says retry on 503.
    const res = await waitFor('the retried batch to be accepted', async () => {
      const r = await push(second);
      if (r.status === 503) return undefined;
      return r;
    }, 30_000, 500);
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 20, duplicates: 0, rejected: 0 });
    expect(await storedCount()).toBe(30);
    expect((await fetch(`${hub!.url}/health/ready`)).status).toBe(200);
  });

  it('rolls back a batch whose connection dies mid-transaction, answers 503, and accepts its retry exactly once', async () => {
    // Hold the client's row lock on the direct connection: the api's store transaction (which locks the
    // same row first, after authentication) waits there, so the cut lands inside its transaction.
    const clientRow = await direct.query('SELECT chain_seq FROM exchange_client WHERE id = $1', [client.clientId]);
    expect(Number(clientRow.rows[0].chain_seq)).toBe(30);
    await direct.query('BEGIN');
    await direct.query('SELECT 1 FROM exchange_client WHERE id = $1 FOR UPDATE', [client.clientId]);
    let pending: Promise<Response> | undefined;
    try {
      pending = push(third);
      await waitFor('the api to wait for the client row lock', async () => {
        const { rows } = await direct.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND application_name = 'sanxian-api' AND wait_event_type = 'Lock'`);
        return rows[0].n > 0;
      }, 15_000, 50);
      await proxy.cut();
    } finally {
      await direct.query('ROLLBACK');
    }
    await expectUnavailable(await pending!);
    // The api's session is gone and its transaction with it.
    await waitFor('the api sessions to end', async () => {
      const { rows } = await direct.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'sanxian-api'`);
      return rows[0].n === 0;
    }, 15_000);
    expect(await storedCount()).toBe(30);

    await proxy.resume();
    const retry = await waitFor('the retried batch to be accepted', async () => {
      const r = await push(third);
      return r.status === 503 ? undefined : r;
    }, 30_000, 500);
    expect(retry.status).toBe(202);
    expect(await retry.json()).toMatchObject({ accepted: 30, duplicates: 0, rejected: 0 });

    // Sent once more: all duplicates, nothing new.
    const again = await push(third);
    expect(again.status).toBe(202);
    expect(await again.json()).toMatchObject({ accepted: 0, duplicates: 30, rejected: 0 });

    // Exactly the records sent, once each; the hash chain has no gap from the rolled-back attempt.
    const { rows } = await direct.query(
      `SELECT count(*)::int AS n, count(DISTINCT record_id)::int AS records, max(chain_seq)::int AS seq,
              (SELECT sum(record_count)::int FROM intake_batch) AS batched,
              (SELECT chain_seq::int FROM exchange_client WHERE id = $1) AS head
       FROM inbound_message`, [client.clientId]);
    expect(rows[0]).toEqual({ n: 60, records: 60, seq: 60, batched: 60, head: 60 });
  });

  /** The api comes up without its database and keeps trying to connect in the background. */
  it('starts while PostgreSQL is unreachable and answers 503 until it returns', async () => {
    const closedPort = await freePort();
    const env = testEnv(db, { DATABASE_URL: `postgres://postgres@127.0.0.1:${closedPort}/x` });
    const app = await createApiApp(loadConfig(env), { logs: false });
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
      expect((await fetch(`${url}/health/live`)).status).toBe(200);
      expect((await fetch(`${url}/health/ready`)).status).toBe(503);
      await expectUnavailable(await send(url, client, 'POST', '/v1/exchange/hukou-changes', batch(1)));
    } finally {
      await app.close();
    }
  });
});
