import { randomUUID } from 'node:crypto';
import { ledgerOutcomes, payout, scoreAssessment } from '@sanxian/domain';
import { closingYearInputs, xichong2026 } from '@sanxian/domain/testing';
import { AssessmentRepository, DecisionCorrectedAlready, DecisionNotFound, LedgerRepository, type PersonDecisionInput } from '@sanxian/persistence';
import { persistenceSuite } from '../../../../test/support/persistence-context';

/** The shipped plan scored on a year with awards, a veto and a yellow card. */
function scoredYear() {
  const plan = xichong2026();
  return { plan, result: scoreAssessment(plan, closingYearInputs(plan)) };
}

describe('LedgerRepository (the year\'s outcomes and decisions about people, append-only)', () => {
  const ctx = persistenceSuite();
  let ledger: LedgerRepository;
  let assessment: AssessmentRepository;
  const county = randomUUID();
  const { plan, result } = scoredYear();

  beforeAll(async () => {
    ledger = ctx.get(LedgerRepository);
    assessment = ctx.get(AssessmentRepository);
  });

  it('records every unit\'s outcome with the publication, once', async () => {
    const outcomes = ledgerOutcomes(result);
    expect(outcomes.some((o) => o.outcome === 'award')).toBe(true);
    expect(outcomes.some((o) => o.outcome === 'veto')).toBe(true);
    expect(await assessment.publishResults(plan.id, 2026, plan.version, result, county, outcomes)).toBe(true);
    expect(await assessment.publishResults(plan.id, 2026, plan.version, result, county, outcomes)).toBe(false);

    const stored = await ledger.outcomes(2026);
    expect(stored).toHaveLength(result.units.length);
    expect(stored.map(({ id, planId, planVersion, year, recordedBy, recordedAt, ...row }) => row)).toEqual(outcomes);
    expect(stored[0]).toMatchObject({ planId: plan.id, planVersion: plan.version, year: 2026, recordedBy: county, recordedAt: expect.any(Date) });
    const vetoed = stored.find((o) => o.outcome === 'veto')!;
    expect(vetoed.reasons[0]).toMatch(/^一票否决：/);
    expect(await ledger.outcomes(2025)).toEqual([]);
    expect(await ledger.years()).toEqual([2026]);
  });

  it('pays what the plan\'s tiers give: the payout total is the sum of the awarded tiers\' prizes', async () => {
    const stored = await ledger.outcomes(2026);
    // Independently of the ledger's own arithmetic: each award's tier looked up in its group of the plan.
    const prizeOf = new Map(plan.lines.flatMap((l) => l.rankings.flatMap((g) => g.tiers.map((t) => [`${g.id}/${t.id}`, t.prize] as const))));
    const awarded = result.units.filter((u) => u.outcome.kind === 'award');
    const expected = awarded.reduce((sum, u) => sum + prizeOf.get(`${u.group}/${(u.outcome as { tierId: string }).tierId}`)!, 0);
    expect(expected).toBeGreaterThan(0);
    expect(payout(stored).total).toBe(expected);
    expect(payout(stored).rows.map((o) => o.unitId)).toEqual(awarded.map((u) => u.unitId));
    const [{ total }] = await ctx.sql(`SELECT sum(prize)::float8 AS total FROM assessment_outcome WHERE year = 2026`);
    expect(total).toBe(expected);
  });

  it('refuses to change or remove an outcome, and a prize without an award', async () => {
    const [first] = await ledger.outcomes(2026);
    await expect(ctx.sql(`UPDATE assessment_outcome SET prize = prize + 1000 WHERE id = $1`, [first.id])).rejects.toThrow(/assessment_outcome is append-only: UPDATE refused/);
    await expect(ctx.sql(`DELETE FROM assessment_outcome WHERE id = $1`, [first.id])).rejects.toThrow(/append-only: DELETE refused/);
    await expect(ctx.sql(`TRUNCATE assessment_outcome`)).rejects.toThrow(/append-only/);
    await expect(ctx.sql(
      `INSERT INTO assessment_outcome (plan_id, plan_version, year, unit_id, unit_name, line, group_id, rank, score, outcome, outcome_name, yellow_card, prize)
       VALUES ('p', 1, 2027, 'u', '{}', 'business', 'g', 1, 50, 'no-award', '{}', false, 5000)`,
    )).rejects.toThrow(/check constraint/);
    expect((await ledger.outcomes(2026))[0]).toEqual(first);
  });

  const admonition: PersonDecisionInput = {
    year: 2026, kind: 'admonition', personName: '王建华', post: '古楼镇党委副书记', unitId: '511325104', meetingDate: '2027-01-20',
    meetingReference: '西计生〔2027〕3号', note: null, corrects: null, withdrawn: false,
  };

  it('records decisions about people, and corrects one by a new row pointing at it, once', async () => {
    const first = await ledger.addDecision(admonition, county);
    expect(first).toEqual({ ...admonition, id: expect.any(String), recordedBy: county, recordedAt: expect.any(Date), correctedBy: null });
    const corrected = await ledger.addDecision({ ...admonition, post: '古楼镇党委书记', corrects: first.id }, county);
    await expect(ledger.addDecision({ ...admonition, post: '又一个', corrects: first.id }, county)).rejects.toBeInstanceOf(DecisionCorrectedAlready);
    await expect(ledger.addDecision({ ...admonition, year: 2025, corrects: first.id }, county)).rejects.toBeInstanceOf(DecisionNotFound);
    const voided = await ledger.addDecision({ ...admonition, post: '古楼镇党委书记', corrects: corrected.id, withdrawn: true, note: '重复录入' }, county);
    await ledger.addDecision({ ...admonition, kind: 'account-at-meeting', personName: '李国强', post: '县卫生局局长', unitId: 'health', meetingDate: '2027-02-10', meetingReference: '全县计生工作大会' }, county);

    const rows = await ledger.decisions(2026);
    expect(rows.map((d) => [d.kind, d.post, d.corrects, d.correctedBy, d.withdrawn])).toEqual([
      ['admonition', '古楼镇党委副书记', null, corrected.id, false],
      ['admonition', '古楼镇党委书记', first.id, voided.id, false],
      ['admonition', '古楼镇党委书记', corrected.id, null, true],
      ['account-at-meeting', '县卫生局局长', null, null, false],
    ]);
    expect(await ledger.years()).toEqual([2026]);
  });

  it('refuses to change or remove a decision, and a withdrawal that corrects nothing', async () => {
    const [first] = await ledger.decisions(2026);
    await expect(ctx.sql(`UPDATE person_decision SET person_name = 'x' WHERE id = $1`, [first.id])).rejects.toThrow(/person_decision is append-only: UPDATE refused/);
    await expect(ctx.sql(`DELETE FROM person_decision`)).rejects.toThrow(/append-only: DELETE refused/);
    await expect(ledger.addDecision({ ...admonition, withdrawn: true }, county)).rejects.toThrow(/check constraint/);
  });
});
