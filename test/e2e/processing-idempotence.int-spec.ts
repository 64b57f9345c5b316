import { IntakeRepository } from '@sanxian/persistence';
import { ProcessingService } from '@sanxian/intake';
import { hukouChange } from '../support/record-factory';
import { Hub, TestClient, send, startHub } from '../support/hub-harness';

/**
 * Processing a batch twice at once (a job redelivered while the first still runs) must take effect once:
 * the processed receipts' unique index lets one commit through, and the other job, retried, finds the
 * batch finished. No worker runs here: the test drives the processing use-case itself, two at a time.
 */
describe('processing one batch twice at once', () => {
  let hub: Hub;
  let client: TestClient;
  let processing: ProcessingService;
  const RECORDS = 2000;

  beforeAll(async () => {
    hub = await startHub({ worker: false });
    client = await hub.createClient('public-security');
    processing = new ProcessingService(hub.api.get(IntakeRepository));
  });
  afterAll(() => hub?.close());

  it('writes each fact and receipt once; the loser fails, and its retry finds nothing to do', async () => {
    const records = Array.from({ length: RECORDS }, (_, i) => hukouChange(i + 1, 41));
    const body = records.map((r) => JSON.stringify(r)).join('\n');
    const res = await send(hub.url, client, 'POST', '/v1/exchange/hukou-changes', body, { contentType: 'application/x-ndjson' });
    expect(res.status).toBe(202);
    const [batch] = await hub.sql<{ id: string }>('SELECT id FROM intake_batch');

    const outcomes = await Promise.allSettled([processing.processBatch(batch.id), processing.processBatch(batch.id)]);
    const won = outcomes.filter((o) => o.status === 'fulfilled' && o.value.processed === RECORDS);
    expect(won).toHaveLength(1);
    const other = outcomes.find((o) => o !== won[0])!;
    // Either it lost the race on the unique receipts (and is retried), or it started after the commit.
    if (other.status === 'rejected') expect(String(other.reason)).toMatch(/exchange_receipt_processed|duplicate key/);
    else expect(other.value.processed).toBe(0);

    expect(await processing.processBatch(batch.id)).toEqual({ processed: 0, dead: 0, facts: 0 });
    const [counts] = await hub.sql<{ facts: number; receipts: number; messages: number; done: number }>(
      `SELECT (SELECT count(*) FROM canonical_fact)::int AS facts,
              (SELECT count(*) FROM exchange_receipt WHERE type = 'processed')::int AS receipts,
              (SELECT count(DISTINCT message_id) FROM exchange_receipt WHERE type = 'processed')::int AS messages,
              (SELECT count(processed_at) FROM intake_batch)::int AS done`,
    );
    expect(counts).toEqual({ facts: RECORDS, receipts: RECORDS, messages: RECORDS, done: 1 });
  });
});
