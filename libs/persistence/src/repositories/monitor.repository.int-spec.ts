import { IntakeRepository, MessageLogRepository, MonitorRepository } from '@sanxian/persistence';
import { logRecords } from '../../../../test/support/log-records';
import { persistenceSuite } from '../../../../test/support/persistence-context';
import { processRecords } from '../../../../test/support/process-records';
import { birthNotice, hukouChange } from '../../../../test/support/record-factory';

/** Receipt days are China's: 15:30 UTC is 23:30 in China, 16:30 UTC the next day's 00:30. */
const LATE_EVENING = new Date('2025-03-01T15:30:00Z'); // 2025-03-01 in China
const AFTER_MIDNIGHT = new Date('2025-03-01T16:30:00Z'); // 2025-03-02 in China

describe('MonitorRepository (intake per day, station, refusal reason; dead messages)', () => {
  const ctx = persistenceSuite({ clients: { police: 'public-security', health: 'health' } });
  const { clients } = ctx;
  let monitor: MonitorRepository;

  beforeAll(async () => {
    monitor = ctx.get(MonitorRepository);
    const station = (code: string) => ({ code, name: '派出所' });
    // 2025-03-01: two on time from station S1, one late (event 40 days before) from S2.
    await processRecords(ctx, clients.police, 'hukou-change', [
      hukouChange(1, 81, { eventDate: '2025-02-27', policeStation: station('511325000001') }),
      hukouChange(2, 81, { eventDate: '2025-02-28', policeStation: station('511325000001') }),
      hukouChange(3, 81, { eventDate: '2025-01-20', policeStation: station('511325000002') }),
    ], { receivedAt: LATE_EVENING });
    // 2025-03-02 in China: one birth notice.
    await processRecords(ctx, clients.health, 'birth-notice', [birthNotice(1, 81, { eventDate: '2025-02-20', facility: { code: '511325-FY', name: '妇幼' } })], { receivedAt: AFTER_MIDNIGHT });
    const log = ctx.get(MessageLogRepository);
    await log.recordRejections(clients.police, 'hukou-change', [
      { recordId: 'HK-bad-1', stationCode: '511325000002', eventDate: '2025-02-01', errors: [{ path: '/person/citizenId', code: 'citizen-id-check', message: 'check digit' }] },
      { recordId: 'HK-bad-2', stationCode: null, eventDate: null, errors: [{ path: '/person/citizenId', code: 'citizen-id-check', message: 'check digit' }, { path: '/eventDate', code: 'format', message: 'not a date' }] },
    ], LATE_EVENING);
    await log.recordRejections(clients.health, 'birth-notice', [{ recordId: 'BN-bad', stationCode: '511325-FY', eventDate: null, errors: [{ path: '/child', code: 'required', message: 'missing' }] }], AFTER_MIDNIGHT);
    // A batch that failed every attempt, received much later (outside the period).
    const { batchIds: [dead] } = await logRecords(log, clients.health, 'birth-notice', [{ recordId: 'BN-dead-1' }, { recordId: 'BN-dead-2' }]);
    await ctx.get(IntakeRepository).markBatchDead(dead, 'constraint violated');
  });

  it('counts received, late and refused per China day of receipt and agency', async () => {
    expect(await monitor.days({ from: '2025-03-01', to: '2025-03-02' })).toEqual([
      { day: '2025-03-01', agency: 'public-security', received: 3, initialLoad: 0, late: 1, rejected: 2 },
      { day: '2025-03-02', agency: 'health', received: 1, initialLoad: 0, late: 0, rejected: 1 },
    ]);
    expect(await monitor.days({ from: '2025-03-02', to: '2025-03-02', agency: 'public-security' })).toEqual([]);
    expect(await monitor.days({ from: '2025-03-01', to: '2025-03-01' })).toEqual([{ day: '2025-03-01', agency: 'public-security', received: 3, initialLoad: 0, late: 1, rejected: 2 }]);
  });

  it('counts per station the facts name, refusals without a station last', async () => {
    expect(await monitor.stations({ from: '2025-03-01', to: '2025-03-02', agency: 'public-security' })).toEqual([
      { agency: 'public-security', stationCode: '511325000001', received: 2, initialLoad: 0, late: 0, rejected: 0 },
      { agency: 'public-security', stationCode: '511325000002', received: 1, initialLoad: 0, late: 1, rejected: 1 },
      { agency: 'public-security', stationCode: null, received: 0, initialLoad: 0, late: 0, rejected: 1 },
    ]);
    expect(await monitor.stations({ from: '2025-03-02', to: '2025-03-02' })).toEqual([{ agency: 'health', stationCode: '511325-FY', received: 1, initialLoad: 0, late: 0, rejected: 1 }]);
  });

  it('gives the reasons for refusals, most frequent first, and the latest refusals newest first', async () => {
    expect(await monitor.rejectionReasons({ from: '2025-03-01', to: '2025-03-02' })).toEqual([
      { agency: 'public-security', kind: 'hukou-change', code: 'citizen-id-check', path: '/person/citizenId', example: 'check digit', count: 2 },
      { agency: 'health', kind: 'birth-notice', code: 'required', path: '/child', example: 'missing', count: 1 },
      { agency: 'public-security', kind: 'hukou-change', code: 'format', path: '/eventDate', example: 'not a date', count: 1 },
    ]);
    expect(await monitor.rejectionReasons({ from: '2025-03-01', to: '2025-03-02' }, 1)).toHaveLength(1);
    const recent = await monitor.recentRejections({ from: '2025-03-01', to: '2025-03-02' });
    expect(recent.map((r) => [r.agency, r.recordId, r.eventDate])).toEqual([['health', 'BN-bad', null], ['public-security', 'HK-bad-2', null], ['public-security', 'HK-bad-1', '2025-02-01']]);
    expect(await monitor.recentRejections({ from: '2025-03-03', to: '2025-03-31' })).toEqual([]);
  });

  it('lists dead messages per agency, whenever they were received', async () => {
    expect(await monitor.deadCounts(null)).toEqual([{ agency: 'health', dead: 2 }]);
    expect(await monitor.deadCounts('public-security')).toEqual([]);
    const dead = await monitor.dead('health');
    expect(dead.map((d) => [d.recordId, d.agency, d.error]).sort()).toEqual([['BN-dead-1', 'health', 'constraint violated'], ['BN-dead-2', 'health', 'constraint violated']]);
    expect(await monitor.dead(null, 1)).toHaveLength(1);
  });
});
