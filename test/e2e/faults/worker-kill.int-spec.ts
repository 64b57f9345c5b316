import { readFileSync, readdirSync } from 'node:fs';
import { Hub, TestClient, send, startHub, waitFor } from '../../support/hub-harness';
import { hukouChange } from '../../support/record-factory';
import { ManagedProcess, killAllFaultChildren, startHubProcess } from '../../support/fault-processes';

/**
 * A worker process dies (SIGKILL: no shutdown hooks, no lock release) in the middle of a large
 * delivery. Each batch is processed in one transaction (docs/architecture.md, data flow step 5), so the batch
 * it was working on leaves no trace; BullMQ's stalled-job check (after the ~30 s lock) or the relay
 * hands it to the replacement worker, and every record ends processed exactly once.
 */
jest.setTimeout(240_000);

const SEED = 4202;
const RECORDS = 30_000;
const BATCH = 5_000; // INTAKE_BATCH_SIZE: the delivery is stored as 6 batches, one intake job each

describe('fault: worker killed mid-delivery', () => {
  let hub: Hub | undefined;
  let client: TestClient;
  let worker: ManagedProcess | undefined;

  beforeAll(async () => {
    // The api in-process; the worker as a real process that can be killed.
    hub = await startHub({ worker: false, env: { INTAKE_BATCH_SIZE: String(BATCH), WORKER_CONCURRENCY: '1' } });
    client = await hub.createClient('public-security');
  });

  afterAll(async () => {
    await killAllFaultChildren();
    await hub?.close().catch(() => undefined);
  });

  // The worker inside a batch's commit transaction (facts, receipts and the batch's mark written together).
  const IN_BATCH_TX = `SELECT count(*) FROM pg_stat_activity
    WHERE datname = current_database() AND application_name = 'sanxian-worker' AND xact_start IS NOT NULL
      AND (state = 'idle in transaction' OR query ~ 'canonical_fact|exchange_receipt|SET processed_at')`;

  async function counts() {
    const [row] = await hub!.sql<{ processed: number; accepted: number; dead: number; facts: number; receipts: number; workerSessions: number; inBatchTx: number }>(
      `SELECT (SELECT count(*) FILTER (WHERE state = 'processed') FROM message_state)::int AS processed,
              (SELECT count(*) FILTER (WHERE state = 'accepted') FROM message_state)::int AS accepted,
              (SELECT count(*) FILTER (WHERE state = 'dead') FROM message_state)::int AS dead,
              (SELECT count(*) FROM canonical_fact)::int AS facts,
              (SELECT count(*) FROM exchange_receipt WHERE type = 'processed')::int AS receipts,
              (SELECT count(*) FROM pg_stat_activity
                 WHERE datname = current_database() AND application_name = 'sanxian-worker')::int AS "workerSessions",
              (${IN_BATCH_TX})::int AS "inBatchTx"`,
    );
    return row;
  }

  /** Cheap enough to poll every few milliseconds: a batch's commit transaction lasts only tens of them. */
  async function progress() {
    const [row] = await hub!.sql<{ processed: number; inBatchTx: number }>(
      `SELECT (SELECT count(*) FROM exchange_receipt WHERE type = 'processed')::int AS processed, (${IN_BATCH_TX})::int AS "inBatchTx"`);
    return row;
  }

  /** The nice value of each of the process's threads: the 19th field of /proc/<pid>/task/<tid>/stat (counted after "(comm)", which may hold spaces). */
  function niceOf(pid: number): number[] {
    return readdirSync(`/proc/${pid}/task`).map((tid) => {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    });
  }

  it('loses nothing and doubles nothing when the worker is SIGKILLed mid-batch and replaced', async () => {
    // A niced worker (WORKER_NICE) must still recover everything; its priority is the one configured.
    worker = await startHubProcess('worker', { ...hub!.env, WORKER_NICE: '5' });
    expect(new Set(niceOf(worker.child.pid!))).toEqual(new Set([5])); // every thread, V8's and libuv's too

    const body = Buffer.from(Array.from({ length: RECORDS }, (_, i) => JSON.stringify(hukouChange(i + 1, SEED))).join('\n') + '\n');
    const res = await send(hub!.url, client, 'POST', '/v1/exchange/hukou-changes', body, { contentType: 'application/x-ndjson' });
    const answer = await res.json();
    expect(res.status).toBe(202);
    expect(answer).toMatchObject({ accepted: RECORDS, duplicates: 0, rejected: 0 });
    const [stored] = await hub!.sql<{ batches: number; records: number }>(
      'SELECT count(*)::int AS batches, sum(record_count)::int AS records FROM intake_batch');
    expect(stored).toEqual({ batches: RECORDS / BATCH, records: RECORDS });

    // Kill while a batch transaction is open and at least one batch is already done: mid-delivery, mid-batch.
    const atKill = await waitFor('the worker to be inside a batch transaction, part-way through', async () => {
      const c = await progress();
      return c.processed >= BATCH && c.processed < RECORDS && c.inBatchTx > 0 ? c : undefined;
    }, 60_000, 2);
    await worker.kill('SIGKILL');
    worker = undefined;

    // PostgreSQL rolls back the dead worker's open transaction once it notices the closed socket.
    await waitFor('the killed worker\'s sessions to end', async () => (await counts()).workerSessions === 0, 30_000);
    const afterKill = await counts();
    // Batches commit whole or not at all: a multiple of the batch size, with facts and receipts to match.
    expect(afterKill.processed % BATCH).toBe(0);
    expect(afterKill.processed).toBeGreaterThanOrEqual(atKill.processed);
    expect(afterKill.processed).toBeLessThan(RECORDS);
    expect(afterKill.facts).toBe(afterKill.processed);
    expect(afterKill.receipts).toBe(afterKill.processed);
    expect(afterKill.dead).toBe(0);

    // A replacement worker takes over; the killed job is recovered when its lock expires.
    worker = await startHubProcess('worker', { ...hub!.env, WORKER_NICE: '0' });
    expect(new Set(niceOf(worker.child.pid!))).toEqual(new Set([0]));
    const done = await waitFor(`all ${RECORDS} messages processed by the new worker`, async () => {
      const c = await counts();
      return c.accepted === 0 && c.processed + c.dead === RECORDS ? c : undefined;
    }, 150_000, 500);

    expect(done).toMatchObject({ processed: RECORDS, accepted: 0, dead: 0, receipts: RECORDS, facts: RECORDS });
    const [facts] = await hub!.sql<{ n: number; keys: number; messages: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT (message_id, role, ordinal))::int AS keys, count(DISTINCT message_id)::int AS messages
       FROM canonical_fact`);
    expect(facts).toEqual({ n: RECORDS, keys: RECORDS, messages: RECORDS }); // hukou-change: one fact per message
    const [receipts] = await hub!.sql<{ n: number; messages: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT message_id)::int AS messages FROM exchange_receipt WHERE type = 'processed'`);
    expect(receipts).toEqual({ n: RECORDS, messages: RECORDS });
    const [batches] = await hub!.sql<{ done: number; dead: number }>(
      'SELECT count(processed_at)::int AS done, count(dead_at)::int AS dead FROM intake_batch');
    expect(batches).toEqual({ done: RECORDS / BATCH, dead: 0 });
    const [messages] = await hub!.sql<{ n: number; records: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT record_id)::int AS records FROM inbound_message');
    expect(messages).toEqual({ n: RECORDS, records: RECORDS });
  });
});
