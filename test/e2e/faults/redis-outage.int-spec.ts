import { PersonalDataCipher } from '@sanxian/persistence';
import { Hub, TestClient, send, startHub, waitFor, waitUntilProcessed } from '../../support/hub-harness';
import { hukouChange } from '../../support/record-factory';
import { ManagedProcess, freePort, killAllFaultChildren, startRedisServer } from '../../support/fault-processes';

/**
 * Redis goes away while agencies keep pushing (docs/architecture.md, data flow step 4: "If Redis is
 * down the batch waits in the outbox, and the relay … enqueues what is committed but not done").
 * The hub runs on its own redis-server, which is SIGKILLed and later restarted empty on the same
 * port: Redis carries work, not data, so no record may be lost or processed twice.
 */
jest.setTimeout(180_000);

const SEED = 4101;
const PUSH_BOUND_MS = 15_000; // only so that a hanging push fails the suite; not a benchmark

interface IntakeBody {
  batchId: string | null;
  accepted: number;
  duplicates: number;
  rejected: number;
  results: { status: string; messageId?: string }[];
}

describe('fault: Redis outage during intake', () => {
  let redisPort: number;
  let redis: (ManagedProcess & { url: string }) | undefined;
  let hub: Hub | undefined;
  let client: TestClient;
  let serial = 0;

  beforeAll(async () => {
    // BullMQ prints every failed reconnection of the in-process worker to console.error (it has no
    // 'error' listener); while Redis is down on purpose those are expected, everything else is kept.
    const print = console.error.bind(console);
    jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      const text = args.map((a) => (a instanceof Error ? `${a.message} ${(a as { code?: string }).code ?? ''}` : String(a))).join(' ');
      if (!/ECONNREFUSED|Connection is closed|ECONNRESET/.test(text)) print(...args);
    });
    redisPort = await freePort();
    redis = await startRedisServer(redisPort);
    hub = await startHub({ env: { REDIS_URL: redis.url, INTAKE_BATCH_SIZE: '100' } });
    client = await hub.createClient('public-security');
  });

  afterAll(async () => {
    // A BullMQ worker cannot close while its Redis is gone: bring Redis back if a step left it down,
    // and never wait on the close for ever (global teardown drops a database left behind).
    if (!redis) redis = await startRedisServer(redisPort).catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([hub?.close().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, 20_000)))]);
    clearTimeout(timer);
    await killAllFaultChildren();
    jest.restoreAllMocks();
  });

  const records = (n: number) => Array.from({ length: n }, () => hukouChange(++serial, SEED));

  async function timedPush(body: Buffer | object, contentType?: string): Promise<{ status: number; body: IntakeBody; ms: number }> {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const res = await Promise.race([
        send(hub!.url, client, 'POST', '/v1/exchange/hukou-changes', body, contentType ? { contentType } : {}),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`push did not answer within ${PUSH_BOUND_MS} ms`)), PUSH_BOUND_MS);
        }),
      ]);
      return { status: res.status, body: (await res.json()) as IntakeBody, ms: Date.now() - started };
    } finally {
      clearTimeout(timer);
    }
  }

  async function ready(): Promise<{ status: number; body: any }> {
    const res = await fetch(`${hub!.url}/health/ready`);
    return { status: res.status, body: await res.json() };
  }

  function acceptedIds(body: IntakeBody): string[] {
    return body.results.filter((r) => r.status === 'accepted').map((r) => r.messageId!);
  }

  // One scenario in steps; each step is its own test so that a failure says which part broke.
  const outageIds: string[] = [];
  const total = 50 + 1600;

  it('processes a batch while Redis is up, and reports ready', async () => {
    const push = await timedPush({ records: records(50) });
    expect(push.status).toBe(202);
    expect(push.body).toMatchObject({ accepted: 50, duplicates: 0, rejected: 0 });
    await waitUntilProcessed(hub!, 50, 30_000);
    const health = await ready();
    expect(health.status).toBe(200);
    expect(dependencyStatus(health.body, 'redis')).toBe('up');
  });

  it('reports not ready, naming Redis, once Redis is killed', async () => {
    await redis!.kill('SIGKILL'); // no shutdown, no goodbye
    redis = undefined;
    const down = await waitFor('/health/ready to answer 503', async () => {
      const r = await ready();
      return r.status === 503 ? r : undefined;
    }, 15_000, 200);
    expect(down.status).toBe(503);
    // Which dependency is down must be visible to an operator (Terminus' details).
    expect(dependencyStatus(down.body, 'redis')).toBe('down');
    expect(dependencyStatus(down.body, 'postgres')).toBe('up');
  });

  it('acknowledges every push promptly while Redis is down and stores the records as accepted', async () => {
    expect(redis).toBeUndefined();
    const outage = [
      await timedPush({ records: records(300) }),
      await timedPush({ records: records(300) }),
      await timedPush(Buffer.from(records(1000).map((r) => JSON.stringify(r)).join('\n') + '\n'), 'application/x-ndjson'),
    ];
    const sizes = [300, 300, 1000];
    outage.forEach((push, i) => {
      expect(push.status).toBe(202);
      expect(push.ms).toBeLessThan(PUSH_BOUND_MS);
      expect(push.body).toMatchObject({ accepted: sizes[i], duplicates: 0, rejected: 0 });
    });
    outageIds.push(...outage.flatMap((p) => acceptedIds(p.body)));
    expect(outageIds).toHaveLength(1600);
    expect(new Set(outageIds).size).toBe(1600);

    // Give the (blocked) worker and relay several relay intervals: nothing can be processed without Redis.
    await new Promise((r) => setTimeout(r, 1500));
    const stored = await hub!.sql<{ state: string; n: number }>(
      `SELECT state, count(*)::int AS n FROM message_state WHERE id = ANY($1::uuid[]) GROUP BY state`, [outageIds]);
    expect(stored).toEqual([{ state: 'accepted', n: 1600 }]);
    const [batches] = await hub!.sql<{ batches: number; records: number; processed: number }>(
      `SELECT count(*)::int AS batches, sum(record_count)::int AS records, count(processed_at)::int AS processed
       FROM intake_batch WHERE id IN (SELECT batch_id FROM inbound_message WHERE id = ANY($1::uuid[]))`, [outageIds]);
    // INTAKE_BATCH_SIZE 100: 300 + 300 + 1000 records are 3 + 3 + 10 outbox batches.
    expect(batches).toEqual({ batches: 16, records: 1600, processed: 0 });
    expect((await ready()).status).toBe(503);
  });

  it('reports ready again once Redis is back on the same port (empty: no snapshot, no AOF)', async () => {
    redis = await startRedisServer(redisPort);
    const health = await waitFor('/health/ready to answer 200', async () => {
      const r = await ready();
      return r.status === 200 ? r : undefined;
    }, 30_000, 200);
    expect(dependencyStatus(health.body, 'redis')).toBe('up');
  });

  it('then processes every record exactly once (the relay re-delivers what Redis never got)', async () => {
    expect(outageIds).toHaveLength(1600);
    const counts = await waitUntilProcessed(hub!, total, 60_000);
    expect(counts).toEqual({ processed: total });
    const [facts] = await hub!.sql<{ n: number; keys: number; messages: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT (message_id, role, ordinal))::int AS keys, count(DISTINCT message_id)::int AS messages
       FROM canonical_fact`);
    // hukou-change: one fact (the subject) per message.
    expect(facts).toEqual({ n: total, keys: total, messages: total });
    // The facts hold the id sealed, with its keyed hash beside it: the hash of the payload's id names the same person.
    const pii = new PersonalDataCipher(hub!.config.secretsKey);
    const subjects = await hub!.sql<{ citizen_id_hash: string; sent: string }>(
      `SELECT f.citizen_id_hash, m.payload::jsonb -> 'person' ->> 'citizenId' AS sent FROM inbound_message m JOIN canonical_fact f ON f.message_id = m.id
       WHERE m.id = ANY($1::uuid[]) AND f.role = 'subject'`, [outageIds]);
    expect(subjects.filter((s) => s.citizen_id_hash === pii.lookup(s.sent))).toHaveLength(1600);
    const [receipts] = await hub!.sql<{ n: number; messages: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT message_id)::int AS messages FROM exchange_receipt WHERE type = 'processed'`);
    expect(receipts).toEqual({ n: total, messages: total });
    const [open] = await hub!.sql<{ n: number }>(`SELECT count(*)::int AS n FROM intake_batch WHERE processed_at IS NULL OR dead_at IS NOT NULL`);
    expect(open.n).toBe(0);
  });
});

/** A dependency's status in a Terminus health result ({status, info, error, details}). */
function dependencyStatus(body: any, name: string): string | undefined {
  return body?.details?.[name]?.status ?? body?.info?.[name]?.status ?? body?.error?.[name]?.status;
}
