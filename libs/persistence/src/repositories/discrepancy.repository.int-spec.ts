import { DiscrepancyModule, DiscrepancyWorkflow } from '@sanxian/discrepancy';
import type { RegionScope, StaffRole } from '@sanxian/domain';
import { DiscrepancyRepository, RegistryRepository, StaffRepository, StaffUser } from '@sanxian/persistence';
import { ReconciliationModule, ReconciliationService } from '@sanxian/reconciliation';
import { persistenceSuite } from '../../../../test/support/persistence-context';
import { TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A, smallCounty } from '../../../../test/support/small-county';

describe('DiscrepancyRepository (scoped lists, evidence), with the workflow that assigns and resolves through it', () => {
  const ctx = persistenceSuite({ imports: [ReconciliationModule, DiscrepancyModule] });
  let discrepancies: DiscrepancyRepository;
  let workflow: DiscrepancyWorkflow;
  /** Who may be given work to resolve (the api's access policy says the same). */
  const RESOLVERS: StaffRole[] = ['admin', 'county', 'township'];
  let county: Awaited<ReturnType<typeof smallCounty>>;
  let officer: StaffUser;
  let townA: StaffUser;
  const COUNTY: RegionScope = { level: 'county' };
  const A: RegionScope = { level: 'township', code: TOWNSHIP_A };
  const B: RegionScope = { level: 'township', code: TOWNSHIP_B };
  const VILLAGE: RegionScope = { level: 'village', code: VILLAGE_A };
  /** Another village of township A, where none of the fixtures lives. */
  const NEIGHBOUR: RegionScope = { level: 'village', code: `${TOWNSHIP_A}003` };
  /** Discrepancy ids by card. */
  const ids: Record<string, string> = {};
  const ref = (u: StaffUser) => ({ id: u.id, username: u.username });

  beforeAll(async () => {
    workflow = ctx.get(DiscrepancyWorkflow);
    discrepancies = ctx.get(DiscrepancyRepository);
    county = await smallCounty(ctx);
    // Due dates are counted from 2025-12-31: long past, so every open discrepancy is overdue.
    await ctx.get(ReconciliationService).run({ trigger: 'cli', asOf: '2025-12-31' });
    for (const d of await discrepancies.list(COUNTY, { status: 'all', limit: 100 })) ids[d.cardId!] = d.id;
    officer = await ctx.get(StaffRepository).create('county.officer', 'pw-pw-pw-pw', 'county', null);
    townA = await ctx.get(StaffRepository).create('town.a', 'pw-pw-pw-pw', 'township', TOWNSHIP_A);
  });

  it('lists in (due date, id) order within the scope, with its filters and keyset pages', async () => {
    const all = await discrepancies.list(COUNTY, { status: 'all', limit: 100 });
    expect(all.map((d) => d.cardId).sort()).toEqual(['C-A-M', 'C-A-R', 'C-B-M']);
    expect(all.map((d) => `${d.dueAt}|${d.id}`)).toEqual(all.map((d) => `${d.dueAt}|${d.id}`).sort());
    expect(all.every((d) => d.status === 'open' && d.overdue && d.assignee === null)).toBe(true);
    expect(all.find((d) => d.cardId === 'C-A-M')).toMatchObject({ kind: 'marital-status-conflict', townshipCode: TOWNSHIP_A, subjectName: '周婷', subjectCitizenId: expect.stringMatching(/^511325/) });

    expect((await discrepancies.list(A, { status: 'all', limit: 100 })).map((d) => d.cardId).sort()).toEqual(['C-A-M', 'C-A-R']);
    expect((await discrepancies.list(B, { status: 'open', limit: 100 })).map((d) => d.cardId)).toEqual(['C-B-M']);
    expect((await discrepancies.list(COUNTY, { status: 'all', kind: 'moved-out-still-registered', limit: 100 })).map((d) => d.cardId)).toEqual(['C-A-R']);
    expect((await discrepancies.list(COUNTY, { status: 'all', regionCode: '511325102202', limit: 100 })).map((d) => d.cardId)).toEqual(['C-B-M']);
    expect(await discrepancies.list(COUNTY, { status: 'all', overdue: false, limit: 100 })).toEqual([]);
    expect(await discrepancies.list(COUNTY, { status: 'resolved', limit: 100 })).toEqual([]);

    const first = await discrepancies.list(COUNTY, { status: 'all', limit: 2 });
    const last = first[first.length - 1];
    const rest = await discrepancies.list(COUNTY, { status: 'all', limit: 2, after: { dueAt: last.dueAt, id: last.id } });
    expect([...first, ...rest]).toEqual(all);
  });

  it('finds one only inside the scope, with its evidence as the agencies sent it', async () => {
    const record = await discrepancies.findInScope(A, ids['C-A-M']);
    expect(record).toMatchObject({ key: expect.stringMatching(/^marital-status-conflict:/), agencyValue: 'married', registryValue: 'unmarried', cardId: 'C-A-M' });
    expect(await discrepancies.findInScope(B, ids['C-A-M'])).toBeUndefined();
    expect(await discrepancies.findInScope(COUNTY, '00000000-0000-0000-0000-000000000000')).toBeUndefined();

    const evidence = await discrepancies.evidenceMessages(record!.evidence.messageIds);
    expect(evidence.map((e) => [e.agency, e.kind, e.recordId])).toEqual(expect.arrayContaining([['civil-affairs', 'marriage-record', 'MR-A']]));
    expect(evidence.find((e) => e.recordId === 'MR-A')!.record).toMatchObject({ recordId: 'MR-A', registrationType: 'marriage' });
    expect(await discrepancies.evidenceMessages([])).toEqual([]);
  });

  it('shows a village user their village only, and a township user all its villages but no other township', async () => {
    expect((await discrepancies.list(VILLAGE, { status: 'all', limit: 100 })).map((d) => d.cardId).sort()).toEqual(['C-A-M', 'C-A-R']);
    expect(await discrepancies.list(NEIGHBOUR, { status: 'all', limit: 100 })).toEqual([]);
    expect(await discrepancies.findInScope(NEIGHBOUR, ids['C-A-M'])).toBeUndefined();
    expect(await discrepancies.findInScope(VILLAGE, ids['C-B-M'])).toBeUndefined();
    expect((await discrepancies.findInScope(VILLAGE, ids['C-A-M']))?.cardId).toBe('C-A-M');
    // A village filter outside the scope is no way around it: both conditions hold.
    expect(await discrepancies.list(NEIGHBOUR, { status: 'all', regionCode: VILLAGE_A, limit: 100 })).toEqual([]);
    expect((await discrepancies.list(A, { status: 'all', limit: 100 })).every((d) => d.regionCode.startsWith(TOWNSHIP_A))).toBe(true);
    expect((await discrepancies.list(A, { status: 'all', limit: 100 })).map((d) => d.cardId)).not.toContain('C-B-M');
    expect((await discrepancies.counts(NEIGHBOUR)).byTownship).toEqual([]);
    expect((await discrepancies.counts(VILLAGE)).byTownship).toEqual([{ townshipCode: TOWNSHIP_A, open: 2, overdue: 2, closed: 0 }]);
  });

  it('assigns all or none: every id in scope, and inside a township assignee’s township', async () => {
    expect(await workflow.assign(COUNTY, [ids['C-A-M'], ids['C-B-M']], townA.id, ref(officer), RESOLVERS)).toMatchObject({ outcome: 'out-of-region', ids: [ids['C-B-M']] });
    expect(await workflow.assign(A, [ids['C-A-M'], ids['C-B-M']], townA.id, ref(officer), RESOLVERS)).toEqual({ outcome: 'not-found', ids: [ids['C-B-M']] });
    expect((await discrepancies.list(COUNTY, { status: 'all', assigneeId: null, limit: 100 }))).toHaveLength(3);

    expect(await workflow.assign(COUNTY, [ids['C-A-M'], ids['C-A-R']], townA.id, ref(officer), RESOLVERS)).toMatchObject({ outcome: 'assigned', ids: [ids['C-A-M'], ids['C-A-R']] });
    expect((await discrepancies.list(COUNTY, { status: 'all', assigneeId: townA.id, limit: 100 })).map((d) => d.assignee)).toEqual([ref(townA), ref(townA)]);
    expect(await workflow.assign(COUNTY, [ids['C-A-R']], null, ref(officer), RESOLVERS)).toMatchObject({ outcome: 'assigned' });
    expect((await discrepancies.findInScope(COUNTY, ids['C-A-R']))!.assignee).toBeNull();
    expect(await ctx.sql(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'discrepancy.assign'`)).toEqual([{ n: 3 }]);
  });

  it('accepting the agency’s value corrects the card, tells the card’s sender and the evidence’s, and is audited, in one transaction', async () => {
    const result = await workflow.resolve(A, ids['C-A-M'], { action: 'accept-agency', comment: '已核实', staff: ref(townA) });
    expect(result).toMatchObject({ outcome: 'resolved', change: { op: 'set-card', cardId: 'C-A-M', maritalStatus: 'married' }, discrepancy: { status: 'resolved', closedAt: expect.any(Date), assignee: ref(townA) } });
    expect((await ctx.get(RegistryRepository).currentCard('C-A-M'))!.maritalStatus).toBe('married');
    expect(await ctx.sql(`SELECT card_id, change->>'op' AS op, staff_id FROM registry_correction`)).toEqual([{ card_id: 'C-A-M', op: 'set-card', staff_id: townA.id }]);
    const receipts = await ctx.sql(`SELECT client_id, record_id, type FROM exchange_receipt WHERE type IN ('correction', 'resolved') ORDER BY type`);
    expect(receipts).toEqual([
      { client_id: county.clients.fp, record_id: 'RC-C-A-M', type: 'correction' },
      ...(await ctx.sql(`SELECT client_id, record_id, 'resolved' AS type FROM inbound_message WHERE id = ANY($1::uuid[]) ORDER BY id`, [result.outcome === 'resolved' ? result.discrepancy.evidence.messageIds : []])),
    ]);
    expect(await workflow.resolve(A, ids['C-A-M'], { action: 'dismiss', comment: 'again', staff: ref(townA) })).toEqual({ outcome: 'not-open', status: 'resolved' });

    const history = await discrepancies.history((await discrepancies.findInScope(COUNTY, ids['C-A-M']))!);
    expect(history.map((h) => [h.event, h.by?.username ?? null])).toEqual([['raised', null], ['assign', 'county.officer'], ['resolve', 'town.a']]);
  });

  it('keeping the registry disputes the agency’s record; a township cannot resolve another’s', async () => {
    expect(await workflow.resolve(A, ids['C-B-M'], { action: 'dismiss', comment: 'x', staff: ref(townA) })).toEqual({ outcome: 'not-found' });
    const kept = await workflow.resolve(COUNTY, ids['C-A-R'], { action: 'keep-registry', comment: '本人仍在本村', staff: ref(officer) });
    expect(kept).toMatchObject({ outcome: 'resolved', change: null, discrepancy: { status: 'resolved' } });
    expect(await ctx.sql(`SELECT client_id, record_id, detail->>'comment' AS comment FROM exchange_receipt WHERE type = 'disputed'`)).toEqual([
      { client_id: county.clients.police, record_id: 'HK-A', comment: '本人仍在本村' },
    ]);
    expect((await ctx.get(RegistryRepository).currentCard('C-A-R'))!.residenceStatus).toBe('resident');
    expect(await workflow.resolve(B, ids['C-B-M'], { action: 'dismiss', comment: '重复', staff: ref(officer) })).toMatchObject({ discrepancy: { status: 'dismissed' } });
  });

  it('counts by kind, status and township within the scope, and shows county runs and the scope’s own', async () => {
    expect(await discrepancies.counts(COUNTY)).toEqual({
      byKind: {}, byStatus: { open: 0, resolved: 2, 'resolved-by-data': 0, dismissed: 1 },
      byTownship: [{ townshipCode: TOWNSHIP_A, open: 0, overdue: 0, closed: 2 }, { townshipCode: TOWNSHIP_B, open: 0, overdue: 0, closed: 1 }],
    });
    expect((await discrepancies.counts(B)).byTownship).toEqual([{ townshipCode: TOWNSHIP_B, open: 0, overdue: 0, closed: 1 }]);

    await ctx.get(ReconciliationService).run({ trigger: 'on-demand', townshipCode: TOWNSHIP_B, asOf: '2025-12-31' });
    expect((await discrepancies.recentRuns(B, 10)).map((r) => [r.trigger, r.townshipCode])).toEqual([['on-demand', TOWNSHIP_B], ['cli', null]]);
    expect((await discrepancies.recentRuns(A, 10)).map((r) => [r.trigger, r.townshipCode])).toEqual([['cli', null]]);
    expect((await discrepancies.recentRuns(COUNTY, 1)).map((r) => r.status)).toEqual(['done']);
  });

  // Last, so that the assignments here stay out of the histories and counts above.
  it('gives a village user work in their village only', async () => {
    const neighbour = await ctx.get(StaffRepository).create('village.a3', 'pw-pw-pw-pw', 'township', `${TOWNSHIP_A}003`);
    expect(await workflow.assign(COUNTY, [ids['C-A-M']], neighbour.id, ref(officer), RESOLVERS)).toMatchObject({ outcome: 'out-of-region', ids: [ids['C-A-M']] });
    const villager = await ctx.get(StaffRepository).create('village.a2', 'pw-pw-pw-pw', 'township', VILLAGE_A);
    expect(await workflow.assign(COUNTY, [ids['C-A-M']], villager.id, ref(officer), RESOLVERS)).toMatchObject({ outcome: 'assigned', assignee: { regionCode: VILLAGE_A } });
    expect(await workflow.assign(COUNTY, [ids['C-A-M']], null, ref(officer), RESOLVERS)).toMatchObject({ outcome: 'assigned', assignee: null });
  });
});
