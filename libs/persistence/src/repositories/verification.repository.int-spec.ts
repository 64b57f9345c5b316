import type { RegionScope } from '@sanxian/domain';
import { UnitOfWork, VerificationRepository, type NewVerificationRequest } from '@sanxian/persistence';
import { ReconciliationModule, ReconciliationService } from '@sanxian/reconciliation';
import { persistenceSuite } from '../../../../test/support/persistence-context';
import { TOWNSHIP_A, TOWNSHIP_B, smallCounty } from '../../../../test/support/small-county';

const COUNTY: RegionScope = { level: 'county' };
const inTownship = (code: string): RegionScope => ({ level: 'township', code });
const STAFF = { id: '00000000-0000-4000-8000-000000000001', username: 'county-staff' };

/**
 * The small county reconciled (two marital-status conflicts, in A and B, and a move-out in A);
 * requests about civil affairs' marriage in A (answered on time, and one overdue), the marriage in B
 * (open) and the police's move-out in A (answered late), written and read by the repository alone.
 */
describe('VerificationRepository (verification requests and answers)', () => {
  const ctx = persistenceSuite({ imports: [ReconciliationModule] });
  let repo: VerificationRepository;
  let county: Awaited<ReturnType<typeof smallCounty>>;
  const ids = {} as Record<'answered' | 'overdue' | 'openB' | 'late', string>;
  const discrepancy = {} as Record<'maritalA' | 'maritalB' | 'moved', string>;

  const request = (over: Partial<NewVerificationRequest> & Pick<NewVerificationRequest, 'discrepancyId' | 'townshipCode' | 'clientId' | 'agency' | 'messageId' | 'recordId' | 'kind'>) =>
    ctx.get(UnitOfWork).run((tx) => repo.create(tx, { question: '请核实', crossCounty: false, requestedOn: '2026-03-01', dueAt: '2026-03-16', requestedBy: STAFF, ...over }));
  const answerAt = (requestId: string, clientId: string, at: string) =>
    ctx.get(UnitOfWork).run((tx) => repo.addAnswer(tx, requestId, clientId, { answer: 'confirmed', comment: '无误', messageId: null, recordId: null, answeredAt: new Date(at) }));

  beforeAll(async () => {
    repo = ctx.get(VerificationRepository);
    county = await smallCounty(ctx);
    await ctx.get(ReconciliationService).run({ trigger: 'cli', asOf: '2025-12-31' });
    const rows = await ctx.sql(`SELECT id, kind, township_code FROM discrepancy`);
    discrepancy.maritalA = rows.find((r) => r.kind === 'marital-status-conflict' && r.township_code === TOWNSHIP_A).id;
    discrepancy.maritalB = rows.find((r) => r.kind === 'marital-status-conflict' && r.township_code === TOWNSHIP_B).id;
    discrepancy.moved = rows.find((r) => r.kind === 'moved-out-still-registered').id;
    const civilA = { discrepancyId: discrepancy.maritalA, townshipCode: TOWNSHIP_A, clientId: county.clients.civil, agency: 'civil-affairs', messageId: county.messages.marriageA, recordId: 'MR-A', kind: 'marriage-record' };
    ids.answered = (await request(civilA)).id;
    ids.overdue = (await request({ ...civilA, requestedOn: '2026-04-01', dueAt: '2026-04-16' })).id;
    ids.openB = (await request({
      discrepancyId: discrepancy.maritalB, townshipCode: TOWNSHIP_B, clientId: county.clients.civil, agency: 'civil-affairs', messageId: county.messages.marriageB, recordId: 'MR-B', kind: 'marriage-record',
      requestedOn: '2026-12-01', dueAt: '2099-12-16',
    })).id;
    ids.late = (await request({
      discrepancyId: discrepancy.moved, townshipCode: TOWNSHIP_A, clientId: county.clients.police, agency: 'public-security', messageId: county.messages.moveOutA, recordId: 'HK-A', kind: 'hukou-change',
    })).id;
    await answerAt(ids.answered, county.clients.civil, '2026-03-05T02:00:00Z'); // 4 days after: on time
    await answerAt(ids.late, county.clients.police, '2026-03-21T02:00:00Z'); // 20 days after: late
  });

  it('lists a client\'s own requests only, by state, after a cursor', async () => {
    const all = await repo.listForClient(county.clients.civil, 'all', '0', 10);
    expect(all.map((r) => [r.id, r.state])).toEqual([[ids.answered, 'answered'], [ids.overdue, 'overdue'], [ids.openB, 'open']]);
    expect((await repo.listForClient(county.clients.civil, 'unanswered', '0', 10)).map((r) => r.id)).toEqual([ids.overdue, ids.openB]);
    expect((await repo.listForClient(county.clients.civil, 'all', all[0].cursor, 1)).map((r) => r.id)).toEqual([ids.overdue]);
    expect((await repo.listForClient(county.clients.police, 'all', '0', 10)).map((r) => r.id)).toEqual([ids.late]);
    expect(await repo.listForClient(county.clients.fp, 'all', '0', 10)).toEqual([]);
    expect(await repo.findForClient(county.clients.police, ids.answered)).toBeUndefined();
  });

  it('reads a request with its answer, and lists staff\'s by due date inside the scope', async () => {
    expect(await repo.findForClient(county.clients.civil, ids.answered)).toMatchObject({
      discrepancyId: discrepancy.maritalA, requestedOn: '2026-03-01', dueAt: '2026-03-16', requestedBy: STAFF,
      answer: { answer: 'confirmed', comment: '无误', messageId: null, answeredAt: new Date('2026-03-05T02:00:00Z') },
    });
    expect((await repo.forDiscrepancy(discrepancy.maritalA)).map((r) => r.id)).toEqual([ids.answered, ids.overdue]);
    expect((await repo.listInScope(COUNTY, { state: 'overdue', limit: 10 })).map((r) => r.id)).toEqual([ids.overdue]);
    expect((await repo.listInScope(inTownship(TOWNSHIP_B), { state: 'all', limit: 10 })).map((r) => r.id)).toEqual([ids.openB]);
    expect((await repo.listInScope(COUNTY, { state: 'all', agency: 'public-security', limit: 10 })).map((r) => r.id)).toEqual([ids.late]);
    const first = (await repo.listInScope(COUNTY, { state: 'all', limit: 10 }))[0];
    expect((await repo.listInScope(COUNTY, { state: 'all', after: { dueAt: first.dueAt, cursor: first.cursor }, limit: 10 })).map((r) => r.id)).not.toContain(first.id);
  });

  it('locks a request for its answer: one answer per request', async () => {
    await ctx.get(UnitOfWork).run(async (tx) => {
      const locked = await repo.lockForAnswer(tx, county.clients.civil, ids.answered);
      expect(locked?.answer?.answer).toBe('confirmed');
      expect(await repo.lockForAnswer(tx, county.clients.police, ids.answered)).toBeUndefined();
    });
    await expect(ctx.get(UnitOfWork).run((tx) => repo.addAnswer(tx, ids.answered, county.clients.civil, { answer: 'confirmed', comment: 'again', messageId: null, recordId: null })))
      .rejects.toThrow(/duplicate key/);
  });

  it('measures each agency\'s answers on time of those fallen due or answered, with the median answer time', async () => {
    const measures = await repo.answerMeasures({ from: '2026-01-01', to: '2026-12-31', asOf: '2026-12-07' });
    expect(measures).toEqual([
      { group: 'civil-affairs', numerator: 1, denominator: 2, answered: 1, medianAnswerDays: 4, evidence: [`discrepancy:${discrepancy.maritalA}`] },
      { group: 'public-security', numerator: 0, denominator: 1, answered: 1, medianAnswerDays: 20, evidence: [`discrepancy:${discrepancy.moved}`] },
    ]);
    // Before anything fell due, only the answered count.
    expect((await repo.answerMeasures({ from: '2026-01-01', to: '2026-12-31', asOf: '2026-03-10' })).map((m) => [m.group, m.numerator, m.denominator]))
      .toEqual([['civil-affairs', 1, 1], ['public-security', 0, 1]]);
  });

  it('refuses to change or remove a request or an answer', async () => {
    await expect(ctx.sql(`UPDATE verification_request SET due_at = due_at + 30`)).rejects.toThrow(/append-only/);
    await expect(ctx.sql(`DELETE FROM verification_answer`)).rejects.toThrow(/append-only/);
  });
});
