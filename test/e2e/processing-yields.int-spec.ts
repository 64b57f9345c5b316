import { Redis } from 'ioredis';
import { Hub, send, startHub, waitUntilProcessed } from '../support/hub-harness';
import { hukouChange } from '../support/record-factory';
import { TEST_REDIS_URL } from '../support/test-database';

/**
 * A bulk delivery (a request of INTAKE_BURST_RECORDS or more) holds processing back until no such request
 * came for INTAKE_BURST_QUIET_MS, but never longer than PROCESSING_YIELD_MAX_MS; small deliveries do not.
 */
jest.setTimeout(60_000);

const PATH = '/v1/exchange/hukou-changes';

describe('processing yields to bulk deliveries', () => {
  let hub: Hub | undefined;
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL);
  });

  afterEach(async () => {
    await hub?.close();
    hub = undefined;
  });

  afterAll(() => redis.disconnect());

  const processedCount = async (h: Hub) => (await h.sql<{ n: number }>(`SELECT count(*)::int AS n FROM exchange_receipt WHERE type = 'processed'`))[0].n;
  const burstTtl = (h: Hub) => redis.pttl(`${h.env.QUEUE_PREFIX}:intake-burst`);

  it('waits while a bulk delivery arrives, and processes once it has paused', async () => {
    hub = await startHub({ env: { INTAKE_BURST_RECORDS: '20', INTAKE_BURST_QUIET_MS: '4000' } });
    const client = await hub.createClient('public-security');
    const res = await send(hub.url, client, 'POST', PATH, { records: Array.from({ length: 20 }, (_, i) => hukouChange(i + 1, 31)) });
    expect(res.status).toBe(202);
    // Inside the quiet window nothing is processed: the window is read first, so a slow machine cannot fool this.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const ttl = await burstTtl(hub);
    const processed = await processedCount(hub);
    expect(ttl).toBeGreaterThan(0);
    expect(processed).toBe(0);
    // After it, everything is.
    await waitUntilProcessed(hub, 20, 30_000);
    expect(await burstTtl(hub)).toBeLessThan(0); // the key is gone
  });

  it('does not hold back for small deliveries', async () => {
    hub = await startHub({ env: { INTAKE_BURST_RECORDS: '20', INTAKE_BURST_QUIET_MS: '60000' } });
    const client = await hub.createClient('public-security');
    await send(hub.url, client, 'POST', PATH, { records: Array.from({ length: 19 }, (_, i) => hukouChange(i + 1, 32)) });
    expect(await burstTtl(hub)).toBeLessThan(0);
    await waitUntilProcessed(hub, 19, 20_000);
  });

  it('holds back no longer than PROCESSING_YIELD_MAX_MS, however long the delivery lasts', async () => {
    hub = await startHub({ env: { INTAKE_BURST_RECORDS: '20', INTAKE_BURST_QUIET_MS: '60000', PROCESSING_YIELD_MAX_MS: '1500' } });
    const client = await hub.createClient('public-security');
    await send(hub.url, client, 'POST', PATH, { records: Array.from({ length: 20 }, (_, i) => hukouChange(i + 1, 33)) });
    await waitUntilProcessed(hub, 20, 20_000);
    expect(await burstTtl(hub)).toBeGreaterThan(30_000); // processed although the delivery was still "arriving"
  });
});
