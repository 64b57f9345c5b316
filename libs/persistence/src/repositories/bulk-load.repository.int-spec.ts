import { BulkLoadRepository, MessageLogRepository } from '@sanxian/persistence';
import { logRecords } from '../../../../test/support/log-records';
import { persistenceSuite } from '../../../../test/support/persistence-context';

const MINUTE = 60_000;
const QUIET = 10 * MINUTE;
const NOW = Date.now();
const ago = (minutes: number) => new Date(NOW - minutes * MINUTE);
const records = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ recordId: `${prefix}-${i}` }));

describe('BulkLoadRepository (open loads from the marked batches; declared ends)', () => {
  const ctx = persistenceSuite({ clients: { registry: 'family-planning', police: 'public-security', health: 'health', civil: 'civil-affairs' } });
  const { clients } = ctx;
  let loads: BulkLoadRepository;

  beforeAll(async () => {
    loads = ctx.get(BulkLoadRepository);
    const log = ctx.get(MessageLogRepository);
    // Police: a history import 40 minutes ago (a load its quiet time ended), then another 5 and 2 minutes ago: the open load.
    await logRecords(log, clients.police, 'hukou-change', records('HK-old', 2), { receivedAt: ago(40), load: 'history' });
    await logRecords(log, clients.police, 'hukou-change', records('HK-a', 3), { receivedAt: ago(5), load: 'history' });
    await logRecords(log, clients.police, 'hukou-change', records('HK-b', 4), { receivedAt: ago(2), load: 'history' });
    // …and its regular flow, which opens nothing.
    await logRecords(log, clients.police, 'hukou-change', records('HK-r', 1), { receivedAt: ago(1) });
    // The registry's initial load, 3 minutes ago.
    await logRecords(log, clients.registry, 'registry-card', records('RC', 5), { receivedAt: ago(3), load: 'initial' });
    // Health: a history import 30 minutes ago, quiet since.
    await logRecords(log, clients.health, 'birth-notice', records('BN', 2), { receivedAt: ago(30), load: 'history' });
    // Civil affairs: the regular flow only.
    await logRecords(log, clients.civil, 'marriage-record', records('MZ', 2), { receivedAt: ago(1) });
  });

  it('lists the open loads, oldest first: the marked batches since the last gap of the quiet time, not yet quiet for it', async () => {
    const open = await loads.open(QUIET);
    expect(open.map((l) => ({ clientId: l.clientId, loads: l.loads, batches: l.batches, records: l.records, pendingBatches: l.pendingBatches }))).toEqual([
      { clientId: clients.police, loads: ['history'], batches: 2, records: 7, pendingBatches: 2 },
      { clientId: clients.registry, loads: ['initial'], batches: 1, records: 5, pendingBatches: 1 },
    ]);
    const police = open[0];
    expect(police.quietEndsAt.getTime() - police.lastDeliveryAt.getTime()).toBe(QUIET);
    expect(police.lastDeliveryAt.getTime() - police.openedAt.getTime()).toBe(3 * MINUTE);
  });

  it('counts the unprocessed batches of every bulk load, open or not', async () => {
    expect(await loads.pendingBatches()).toBe(5);
  });

  it('ends a load once, as its client declares; a later marked delivery opens a new one', async () => {
    const ended = await loads.end(clients.registry, QUIET);
    expect(ended).toMatchObject({ clientId: clients.registry, agency: 'family-planning', loads: ['initial'], batches: 1, records: 5 });
    expect(await loads.end(clients.registry, QUIET)).toBeUndefined();
    expect(await loads.lastEnded(clients.registry)).toEqual(ended);
    expect((await loads.open(QUIET)).map((l) => l.clientId)).toEqual([clients.police]);

    await logRecords(ctx.get(MessageLogRepository), clients.registry, 'registry-card', records('RC2', 1), { load: 'history' });
    expect((await loads.open(QUIET)).find((l) => l.clientId === clients.registry)).toMatchObject({ loads: ['history'], batches: 1, records: 1 });
  });

  it('has nothing to end for a client whose load its quiet time ended, or that never sent one', async () => {
    expect(await loads.end(clients.health, QUIET)).toBeUndefined();
    expect(await loads.end(clients.civil, QUIET)).toBeUndefined();
    expect(await loads.lastEnded(clients.civil)).toBeUndefined();
  });
});
