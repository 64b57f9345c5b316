import { FactRow, IntakeRepository, MessageLogRepository, PendingMessage, PersonalDataCipher } from '@sanxian/persistence';
import { logRecords } from '../../../../test/support/log-records';
import { persistenceSuite } from '../../../../test/support/persistence-context';

describe('IntakeRepository (the outbox batches and their processing)', () => {
  const ctx = persistenceSuite({ clients: { police: 'public-security' } });
  const { clients } = ctx;
  let intake: IntakeRepository;
  let log: MessageLogRepository;

  beforeAll(() => {
    intake = ctx.get(IntakeRepository);
    log = ctx.get(MessageLogRepository);
  });

  const fact = (m: PendingMessage, citizenId: string): FactRow => ({
    messageId: m.id, role: 'subject', ordinal: 0, kind: m.kind, event: 'move-in', eventDate: '2025-06-01', regionCode: '511325101002',
    citizenId, citizenIdValid: true, name: '王芳', sex: 'F', birthDate: '1990-01-01', detail: { householdId: 'H1' }, clientId: m.clientId, receivedAt: m.receivedAt,
  });

  function processed(messages: PendingMessage[], withFacts = true) {
    const builder = intake.batchBuilder();
    messages.forEach((m, i) => builder.add(m, withFacts ? [fact(m, `51132519900101${String(i).padStart(3, '0')}X`)] : []));
    return builder.finish();
  }

  it('loads a batch’s messages in chain order and commits their facts and processed receipts once', async () => {
    const stored = await logRecords(log, clients.police, 'hukou-change', [{ recordId: 'A1' }, { recordId: 'A2' }, { recordId: 'A3' }], { batchSize: 10 });
    const [batchId] = stored.batchIds;
    const pending = await intake.loadPending(batchId);
    expect(pending.map((m) => [m.recordId, m.clientId, m.kind])).toEqual([['A1', clients.police, 'hukou-change'], ['A2', clients.police, 'hukou-change'], ['A3', clients.police, 'hukou-change']]);
    expect(pending[0].payload).toBe('{"recordId":"A1"}');
    expect(await intake.countUnfinishedBatches()).toBe(1);

    expect(await intake.commitProcessed(batchId, processed(pending), [])).toBe(3);
    expect(await intake.loadPending(batchId)).toEqual([]);
    expect(await intake.countUnfinishedBatches()).toBe(0);
    // Stored with the citizen id and name sealed, and the id's keyed hash beside it (what SQL finds people by).
    const pii = new PersonalDataCipher(ctx.config.secretsKey);
    const facts = await ctx.sql(`SELECT message_id, citizen_id, name, citizen_id_hash, detail FROM canonical_fact`);
    expect(facts).toHaveLength(3);
    const first = facts.find((f) => f.message_id === pending[0].id);
    expect(first).toMatchObject({ detail: { householdId: 'H1' }, citizen_id_hash: pii.lookup('51132519900101000X') });
    expect(JSON.stringify(facts)).not.toMatch(/王芳|511325199001010/);
    expect([pii.open(first.citizen_id), pii.open(first.name)]).toEqual(['51132519900101000X', '王芳']);
    expect((await log.findForClient(clients.police, pending[1].id))!.state).toBe('processed');

    // A second job of the same batch adds nothing: the receipts' unique key refuses it whole.
    await expect(intake.commitProcessed(batchId, processed(pending), [])).rejects.toThrow();
    expect(await ctx.sql(`SELECT count(*)::int AS n FROM canonical_fact`)).toEqual([{ n: 3 }]);
    const latency = await intake.recentLatencySeconds(3600);
    expect(latency.batches).toBe(1);
    expect(latency.p50).toBeGreaterThanOrEqual(0);
  });

  it('finds batches never queued, and queued ones still unfinished', async () => {
    const old = new Date(Date.now() - 60_000);
    const { batchIds } = await logRecords(log, clients.police, 'hukou-change', [{ recordId: 'B1' }, { recordId: 'B2' }], { batchSize: 1, receivedAt: old });
    expect(await intake.findUnqueued(30_000)).toEqual(batchIds);
    expect(await intake.findUnqueued(30_000, 1)).toEqual([batchIds[0]]);
    expect(await intake.findUnqueued(120_000)).toEqual([]);
    await intake.markEnqueued([batchIds[0]]);
    expect(await intake.findUnqueued(30_000)).toEqual([batchIds[1]]);
    expect(await intake.findQueuedButUnfinished(0)).toEqual([batchIds[0]]);
    expect(await intake.findQueuedButUnfinished(60_000)).toEqual([]);
    await intake.commitProcessed(batchIds[0], processed(await intake.loadPending(batchIds[0]), false), []);
    expect(await intake.findQueuedButUnfinished(0)).toEqual([]);
    await intake.commitProcessed(batchIds[1], processed(await intake.loadPending(batchIds[1]), false), []);
  });

  it('marks a batch’s waiting messages dead once, lists them, and revives them for processing again', async () => {
    const { batchIds: [batchId] } = await logRecords(log, clients.police, 'hukou-change', [{ recordId: 'C1' }, { recordId: 'C2' }, { recordId: 'C3' }]);
    const pending = await intake.loadPending(batchId);
    // One message fails on its own within an otherwise processed batch …
    await intake.commitProcessed(batchId, processed(pending.slice(0, 2)), [{ messageId: pending[2].id, error: 'bad date' }]);
    expect((await log.findForClient(clients.police, pending[2].id))).toMatchObject({ state: 'dead', error: 'bad date' });
    // … and dying twice keeps the first death.
    expect(await intake.markBatchDead(batchId, 'later error')).toBe(0);
    const dead = await intake.listDead();
    expect(dead.map((d) => [d.id, d.recordId, d.batchId, d.error])).toEqual([[pending[2].id, 'C3', batchId, 'bad date']]);
    const deadReceipts = await ctx.sql(`SELECT record_id, detail FROM exchange_receipt WHERE type = 'dead'`);
    expect(deadReceipts).toEqual([{ record_id: 'C3', detail: { error: 'bad date' } }]);

    const revived = await intake.reviveDead([pending[2].id]);
    expect(revived).toEqual({ messages: 1, batchIds: [batchId] });
    expect(await intake.listDead()).toEqual([]);
    // Revived: only the message that was not processed waits.
    const again = await intake.loadPending(batchId);
    expect(again.map((m) => m.recordId)).toEqual(['C3']);
    await intake.commitProcessed(batchId, processed(again, false), []);
    expect((await log.findForClient(clients.police, pending[2].id))!.state).toBe('processed');
    expect(await intake.loadPending(batchId)).toEqual([]);
    // The dead receipt stays: receipts are evidence, a correction is a new row.
    expect(await ctx.sql(`SELECT type FROM exchange_receipt WHERE message_id = $1 ORDER BY id`, [pending[2].id])).toEqual([{ type: 'dead' }, { type: 'processed' }]);
  });

  it('a batch that dies whole after its last attempt: every waiting message dead with the error; revive all', async () => {
    const { batchIds: [batchId] } = await logRecords(log, clients.police, 'hukou-change', [{ recordId: 'D1' }, { recordId: 'D2' }]);
    expect(await intake.markBatchDead(batchId, 'database gone')).toBe(2);
    expect(await intake.loadPending(batchId)).toEqual([]);
    const [batch] = await ctx.sql(`SELECT dead_at IS NOT NULL AS dead, last_error FROM intake_batch WHERE id = $1`, [batchId]);
    expect(batch).toEqual({ dead: true, last_error: 'database gone' });
    expect((await intake.listDead(1))).toHaveLength(1);
    expect(await intake.reviveDead('all')).toEqual({ messages: 2, batchIds: [batchId] });
    expect((await intake.loadPending(batchId)).map((m) => m.recordId)).toEqual(['D1', 'D2']);
    expect(await intake.findUnqueued(0)).toContain(batchId);
  });

  it('runs work under an advisory lock that a second caller does not wait for', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = intake.exclusively(4242, async () => {
      await held;
      return 'first';
    });
    // Wait until the first holder has the lock.
    for (let i = 0; i < 500 && !(await ctx.sql(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`)).length; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await intake.exclusively(4242, async () => 'second')).toBeUndefined();
    release();
    expect(await first).toBe('first');
    expect(await intake.exclusively(4242, async () => 'third')).toBe('third');
  });
});
