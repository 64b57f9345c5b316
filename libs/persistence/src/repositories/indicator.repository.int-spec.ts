import { DiscrepancyModule, DiscrepancyWorkflow } from '@sanxian/discrepancy';
import { ClientRepository, IndicatorRepository, MessageLogRepository, StaffRepository } from '@sanxian/persistence';
import { ReconciliationModule, ReconciliationService } from '@sanxian/reconciliation';
import { persistenceSuite } from '../../../../test/support/persistence-context';
import { processRecords } from '../../../../test/support/process-records';
import { birthNotice, citizenId, hukouChange, registryCard } from '../../../../test/support/record-factory';
import { TOWNSHIP_A, TOWNSHIP_B, smallCounty } from '../../../../test/support/small-county';

const C = '511325103';
// Measures are grouped by village: each township here has one village in the fixtures.
const [VA, VB, VC] = ['511325101002', '511325102202', '511325103002'];
const YEAR_2025 = { from: '2025-01-01', to: '2025-12-31', asOf: '2025-12-31' };

/**
 * The small county (two marriages and a move-out the registry does not reflect) and, received
 * early in 2025: birth notices in A (on time) and B (32 days after the birth), one from 2024,
 * a death in B, a refused record, and in township C a card whose children were born in 2025.
 */
describe('IndicatorRepository (the measures behind the computed indicators)', () => {
  const ctx = persistenceSuite({ imports: [ReconciliationModule, DiscrepancyModule] });
  let indicators: IndicatorRepository;
  let county: Awaited<ReturnType<typeof smallCounty>>;
  const messages: Record<string, string> = {};

  beforeAll(async () => {
    indicators = ctx.get(IndicatorRepository);
    county = await smallCounty(ctx);
    const clients = ctx.get(ClientRepository);
    const health = (await clients.create('health', 'h')).clientId;
    const facility = { code: '511325-FY', name: '妇幼' };
    [messages.bnA, messages.bnB, messages.bnOld] = await processRecords(ctx, health, 'birth-notice', [
      birthNotice(1, 91, { recordId: 'BN-A', eventDate: '2025-03-01', regionCode: '511325101002', child: { sex: 'M', birthDate: '2025-03-01' }, facility }),
      birthNotice(2, 91, { recordId: 'BN-B', eventDate: '2025-02-01', regionCode: '511325102202', child: { sex: 'F', birthDate: '2025-02-01' }, facility }),
      birthNotice(3, 91, { recordId: 'BN-OLD', eventDate: '2024-12-20', regionCode: '511325101002', child: { sex: 'F', birthDate: '2024-12-20' }, facility }),
    ], { receivedAt: new Date('2025-03-05T02:00:00Z') });
    [messages.death] = await processRecords(ctx, county.clients.police, 'hukou-change', [
      hukouChange(9, 91, { recordId: 'HK-DEATH', eventDate: '2025-04-01', regionCode: '511325102202', changeType: 'death' }),
    ], { receivedAt: new Date('2025-04-02T02:00:00Z') });
    await ctx.get(MessageLogRepository).recordRejections(health, 'birth-notice', [{ recordId: 'BN-BAD', stationCode: '511325-FY', eventDate: null, errors: [] }], new Date('2025-03-05T02:00:00Z'));
    const child = (birthDate: string, birthOrder: number, policyCompliant: boolean) => ({ citizenId: citizenId(birthDate, 'M', 900 + birthOrder), name: '刘浩然', sex: 'M', birthDate, birthOrder, policyCompliant });
    await processRecords(ctx, county.clients.fp, 'registry-card', [registryCard(9, 91, {
      cardId: 'C-C-K', regionCode: '511325103002', eventDate: '2025-07-01',
      children: [child('2016-03-02', 1, true), child('2025-02-01', 2, true), child('2025-05-01', 3, false)],
    })]);
    await ctx.get(ReconciliationService).run({ trigger: 'cli', asOf: '2025-12-31' });
  });

  const groups = (rows: { group: string; numerator: number; denominator: number }[]) => rows.map((r) => [r.group, r.numerator, r.denominator]);

  it('counts births by the mother’s village, and card children health never notified', async () => {
    const unnotified = await ctx.sql(`SELECT id FROM discrepancy WHERE kind = 'birth-not-notified' AND township_code = $1`, [C]);
    expect(unnotified).toHaveLength(2);
    const births = await indicators.births(YEAR_2025);
    expect(groups(births)).toEqual([[VA, 1, 1], [VB, 1, 1], [VC, 2, 2]]);
    expect(births[0].evidence).toEqual([`message:${messages.bnA}`]);
    expect(births[2].evidence).toEqual(unnotified.map((d) => `discrepancy:${d.id}`).sort());
    expect(groups(await indicators.birthsBySex(YEAR_2025))).toEqual([[VA, 1, 0], [VB, 0, 1]]);
    expect(groups(await indicators.births({ from: '2024-01-01', to: '2024-12-31', asOf: '2024-12-31' }))).toEqual([[VA, 1, 1]]);
  });

  it('counts deaths, cards, and policy-compliant card births by village', async () => {
    expect(await indicators.deaths(YEAR_2025)).toEqual([{ group: VB, numerator: 1, denominator: 1, evidence: [`message:${messages.death}`] }]);
    expect(groups(await indicators.cards())).toEqual([[VA, 2, 2], [VB, 1, 1], [VC, 1, 1]]);
    expect(await indicators.policyCompliantBirths(YEAR_2025)).toEqual([{ group: VC, numerator: 1, denominator: 2, evidence: ['card:C-C-K', 'card:C-C-K'] }]);
  });

  it('measures how completely the registry reflects the events agencies confirmed about carded women', async () => {
    // A: a marriage and a move-out, both still open discrepancies; B: a marriage, likewise.
    expect(groups(await indicators.registryCompleteness(YEAR_2025))).toEqual([[VA, 0, 2], [VB, 0, 1]]);
    const officer = await ctx.get(StaffRepository).create('officer', 'pw-pw-pw-pw', 'county', null);
    const [conflictB] = await ctx.sql(`SELECT id FROM discrepancy WHERE kind = 'marital-status-conflict' AND township_code = $1`, [TOWNSHIP_B]);
    await ctx.get(DiscrepancyWorkflow).resolve({ level: 'county' }, conflictB.id, { action: 'accept-agency', comment: '', staff: { id: officer.id, username: officer.username } });
    expect(groups(await indicators.registryCompleteness(YEAR_2025))).toEqual([[VA, 0, 2], [VB, 1, 1]]);
  });

  it('counts discrepancies falling due in the period, never after asOf', async () => {
    const due = await indicators.discrepanciesDue({ from: '2026-01-01', to: '2026-12-31', asOf: '2026-12-31' });
    const open = await ctx.sql(`SELECT region_code, count(*)::int AS n FROM discrepancy WHERE kind <> 'unlinked-record' GROUP BY 1 ORDER BY 1`);
    expect(due.map((r) => [r.group, r.denominator])).toEqual(open.map((r) => [r.region_code, r.n]));
    // Closed today, long after their due dates: none closed in time.
    expect(due.every((r) => r.numerator === 0)).toBe(true);
    expect(await indicators.discrepanciesDue({ from: '2026-01-01', to: '2026-12-31', asOf: '2025-12-31' })).toEqual([]);
  });

  it('measures timeliness and validity by agency and by station, from the exchange log', async () => {
    const timely = await indicators.timeliness(YEAR_2025, 30);
    expect(groups(timely.byAgency)).toEqual(expect.arrayContaining([['health', 1, 2]]));
    expect(groups(timely.byStation)).toEqual(expect.arrayContaining([['511325-FY', 1, 2]]));
    // Early 2025 the health bureau sent three notices and one was refused.
    const validity = await indicators.validity({ from: '2025-03-01', to: '2025-03-31', asOf: '2025-03-31' });
    expect(groups(validity.byAgency)).toEqual([['health', 3, 4]]);
    expect(groups(validity.byStation)).toEqual([['511325-FY', 3, 4]]);
  });

  it('measures coverage of births and marriages per department', async () => {
    expect(groups(await indicators.coverage(YEAR_2025))).toEqual([['health', 2, 4], ['public-security', 0, 4], ['civil-affairs', 2, 2]]);
  });

  it('replaces a plan year’s computed values whole, and drills evidence ids down to their rows', async () => {
    const value = (unitId: string, v: number, evidence: string[] = []) => ({ indicatorId: 'births', unitId, checkId: '', value: v, numerator: v, denominator: 1, evidence, note: null });
    await indicators.replaceValues('plan', 2025, [value(TOWNSHIP_A, 1, [`message:${messages.bnA}`]), value(TOWNSHIP_B, 2)]);
    await indicators.replaceValues('plan', 2024, [value(TOWNSHIP_A, 9)]);
    await indicators.replaceValues('plan', 2025, [value(TOWNSHIP_B, 3)]);
    expect(await indicators.values('plan', 2025)).toEqual([value(TOWNSHIP_B, 3)]);
    expect(await indicators.values('plan', 2024)).toEqual([value(TOWNSHIP_A, 9)]);
    await indicators.replaceValues('plan', 2024, []);
    expect(await indicators.values('plan', 2024)).toEqual([]);

    const rows = await indicators.evidenceRows({ messages: [messages.bnB], discrepancies: [], cards: ['C-C-K'] });
    expect(rows.messages).toEqual([expect.objectContaining({ id: messages.bnB, record_id: 'BN-B', agency: 'health', state: 'processed', days_to_receipt: 32, event_date: '2025-02-01' })]);
    expect(rows.cards).toEqual([expect.objectContaining({ card_id: 'C-C-K', township_code: C })]);
    expect(rows.discrepancies).toEqual([]);
  });
});
