import { JobProducer } from '@sanxian/jobs';
import { LogRowsBuilder, MessageLogRepository } from '@sanxian/persistence';
import { runCli } from '../../support/cli-process';
import { Hub, startHub, waitUntilProcessed } from '../../support/hub-harness';
import { hukouChange } from '../../support/record-factory';

/**
 * A record the database refuses in processing (here a NUL escape in householdId, which the jsonb of its
 * fact cannot hold, logged as an older hub would have accepted it) must go dead alone: the other 4,999
 * records of its batch are processed. Intake refuses such a record now (see hostile-input.int-spec.ts), so
 * the batch is written to the log directly, as the intake path writes it.
 */
jest.setTimeout(180_000);

describe('a poison record among 4,999 good ones in one batch', () => {
  let hub: Hub;

  beforeAll(async () => {
    hub = await startHub({ worker: false });
  });

  afterAll(async () => {
    await hub?.close();
  });

  it('leaves 4,999 processed and the one dead with its error, which `dead list` shows', async () => {
    const client = await hub.createClient('public-security');
    const log = new LogRowsBuilder(client.clientId, 'hukou-change', new Date().toISOString());
    const poisonAt = 2_718;
    for (let i = 0; i < 5_000; i++) {
      const record = hukouChange(i, 91);
      const text = i === poisonAt ? JSON.stringify({ ...record, householdId: '\u0000' }) : JSON.stringify(record);
      log.add({ recordId: record.recordId as string, payload: Buffer.from(text), eventDate: record.eventDate as string, regionCode: record.regionCode as string, warnings: [] });
    }
    const stored = await hub.api.get(MessageLogRepository).storeBatch(client.clientId, 'hukou-change', log.finish(), 5_000);
    expect(stored.batchIds).toHaveLength(1);
    await hub.api.get(JobProducer).enqueueIntake(stored.batchIds);
    await hub.startWorker();

    const counts = await waitUntilProcessed(hub, 5_000, 120_000);
    expect(counts).toEqual({ processed: 4_999, dead: 1 });
    const [dead] = await hub.sql(`SELECT m.record_id, d.error FROM dead_letter d JOIN inbound_message m ON m.id = d.message_id`);
    expect(dead.record_id).toBe(`HK-91-${poisonAt}`);
    expect(dead.error).toMatch(/Unicode escape|\\u0000/);
    const [facts] = await hub.sql(`SELECT count(DISTINCT message_id)::int AS n FROM canonical_fact`);
    expect(facts.n).toBe(4_999);
    const [batch] = await hub.sql(`SELECT processed_at IS NOT NULL AS processed, dead_at IS NULL AS alive FROM intake_batch WHERE id = $1`, [stored.batchIds[0]]);
    expect(batch).toEqual({ processed: true, alive: true });

    const listed = runCli(['dead', 'list', '--json'], hub.env);
    expect(listed.status).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ recordId: `HK-91-${poisonAt}`, error: expect.stringMatching(/Unicode escape/) })]);
  });
});
