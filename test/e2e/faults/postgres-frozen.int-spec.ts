import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pushFile } from '@sanxian/exchange-client';
import { Hub, TestClient, send, startHub } from '../../support/hub-harness';
import { hukouChange } from '../../support/record-factory';
import { TEST_PG_BASE, TestDatabase, createTestDatabase } from '../../support/test-database';
import { FaultTcpProxy } from '../../support/fault-processes';

/**
 * PostgreSQL stops answering (it does not refuse: the connections stay open and silent) under a running
 * api. A request must not wait on it for minutes: the driver gives up after DATABASE_STATEMENT_TIMEOUT_MS
 * plus 2 s and the request is answered 503 with Retry-After, which the push client retries.
 */
jest.setTimeout(120_000);

const PG = new URL(TEST_PG_BASE);
const STATEMENT_TIMEOUT_MS = 1000;
// The driver's limit is the statement timeout plus 2 s; a request makes a few queries in turn.
const PATIENCE_MS = 15_000;

describe('fault: PostgreSQL frozen under a running api', () => {
  let db: TestDatabase;
  let proxy: FaultTcpProxy;
  let hub: Hub | undefined;
  let client: TestClient;

  beforeAll(async () => {
    db = await createTestDatabase();
    proxy = new FaultTcpProxy({ host: PG.hostname, port: Number(PG.port || 5432) });
    await proxy.start();
    const proxied = new URL(db.url);
    proxied.port = String(proxy.port);
    hub = await startHub({ db, worker: false, env: { DATABASE_URL: proxied.toString(), DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS) } });
    client = await hub.createClient('public-security');
  });

  afterAll(async () => {
    await proxy?.cut().catch(() => undefined);
    await proxy?.resume().catch(() => undefined); // so that the api's pool can close cleanly
    await hub?.close().catch(() => undefined);
    await proxy?.close().catch(() => undefined);
    await db?.drop().catch(() => undefined);
  });

  it('answers 503 with Retry-After within the configured timeout, and the push client retries it until the database is back', async () => {
    const ok = await send(hub!.url, client, 'POST', '/v1/exchange/hukou-changes', { records: [hukouChange(1, 77)] });
    expect(ok.status).toBe(202);

    proxy.freeze();
    // The push client meets the frozen database too, is told 503, and retries until it is back.
    const dir = mkdtempSync(join(tmpdir(), 'sanxian-frozen-'));
    const file = join(dir, 'hukou.ndjson');
    writeFileSync(file, [3, 4, 5].map((i) => JSON.stringify(hukouChange(i, 77))).join('\n') + '\n');
    const pushed = pushFile({ kind: 'hukou-change', file, url: hub!.url, clientId: client.clientId, secret: client.secret, maxRetries: 8, retryBaseMs: 200 });

    const res = await send(hub!.url, client, 'POST', '/v1/exchange/hukou-changes', { records: [hukouChange(2, 77)] }, { signal: AbortSignal.timeout(PATIENCE_MS) });
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await res.json()).toMatchObject({ status: 503, code: 'storage-unavailable' });

    // Back: the frozen connections are dropped (a query still waiting on one fails: 503), new ones are forwarded.
    await proxy.cut();
    await proxy.resume();
    const summary = await pushed;
    expect(summary).toMatchObject({ accepted: 3, rejected: 0 });
    expect(summary.retries).toBeGreaterThan(0);
  });
});
