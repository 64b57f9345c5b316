import { IntakeRepository, MessageLogRepository, ReceiptRepository } from '@sanxian/persistence';
import { logRecords } from '../../../../test/support/log-records';
import { persistenceSuite } from '../../../../test/support/persistence-context';

describe('ReceiptRepository (a client’s receipts, read by cursor)', () => {
  const ctx = persistenceSuite({ clients: { police: 'public-security', health: 'health' } });
  const { clients } = ctx;
  let receipts: ReceiptRepository;

  beforeAll(async () => {
    receipts = ctx.get(ReceiptRepository);
    // Receipts come from processing: five processed, one dead for the police, one processed for health.
    const log = ctx.get(MessageLogRepository);
    const intake = ctx.get(IntakeRepository);
    const process = async (clientId: string, kind: 'hukou-change' | 'birth-notice', ids: string[], dead: string[] = []) => {
      const { batchIds: [batchId] } = await logRecords(log, clientId, kind, ids.map((recordId) => ({ recordId })));
      const pending = await intake.loadPending(batchId);
      const builder = intake.batchBuilder();
      for (const m of pending) if (!dead.includes(m.recordId)) builder.add(m, []);
      await intake.commitProcessed(batchId, builder.finish(), pending.filter((m) => dead.includes(m.recordId)).map((m) => ({ messageId: m.id, error: 'no such village' })));
    };
    await process(clients.police, 'hukou-change', ['P1', 'P2', 'P3']);
    await process(clients.health, 'birth-notice', ['H1']);
    await process(clients.police, 'hukou-change', ['P4', 'P5', 'P6'], ['P6']);
  });

  it('pages a client’s receipts oldest first from a cursor, and never shows another client’s', async () => {
    const all = await receipts.listForClient(clients.police, '0', 100);
    // In the order they were written: a batch's processed receipts, then its dead ones.
    expect(all.map((r) => [r.recordId, r.type])).toEqual([['P1', 'processed'], ['P2', 'processed'], ['P3', 'processed'], ['P4', 'processed'], ['P5', 'processed'], ['P6', 'dead']]);
    expect(all.map((r) => BigInt(r.cursor))).toEqual([...all.map((r) => BigInt(r.cursor))].sort((a, b) => (a < b ? -1 : 1)));
    expect(all.find((r) => r.recordId === 'P6')).toMatchObject({ type: 'dead', detail: { error: 'no such village' } });
    expect(all.find((r) => r.recordId === 'P1')).toMatchObject({ type: 'processed', detail: null, messageId: expect.any(String), createdAt: expect.any(Date) });

    const first = await receipts.listForClient(clients.police, '0', 4);
    const rest = await receipts.listForClient(clients.police, first[first.length - 1].cursor, 4);
    expect([...first, ...rest]).toEqual(all);
    expect(await receipts.listForClient(clients.police, all[all.length - 1].cursor, 4)).toEqual([]);

    const theirs = await receipts.listForClient(clients.health, '0', 100);
    expect(theirs.map((r) => r.recordId)).toEqual(['H1']);
  });
});
