import { SPOT_CHECK_INDICATORS } from '@sanxian/domain';
import { xichong2026 } from '@sanxian/domain/testing';
import { simulateRegularCheck, type SimulatedInput } from './demo-assessors';

/* The rest of the demo campaign's regular check: never what the survey measured, the rest as year end found it. */
describe("the demo's regular check beside its campaign", () => {
  const plan = xichong2026();
  const township = plan.lines.find((l) => l.line === 'party-government')!.units.find((u) => u.kind === 'township')!;
  const office = plan.lines.find((l) => l.line === 'business')!.units.find((u) => u.kind === 'fp-office')!;
  const yearEnd: SimulatedInput[] = [
    { type: 'grade', unitId: township.id, body: { indicatorId: 'publicity-education', grade: 'B', evidenceIds: ['check:2026-year-end'] } },
    { type: 'value', unitId: township.id, body: { indicatorId: 'birth-statistics-accuracy', value: 98, numerator: 49, denominator: 50 } },
  ];
  const computed = [
    { unitId: township.id, indicatorId: 'policy-compliant-rate', checkId: '', value: 96.5, numerator: 193, denominator: 200 },
    { unitId: township.id, indicatorId: 'births-outside-policy', checkId: '', value: 1, numerator: null, denominator: null },
    { unitId: township.id, indicatorId: 'births-vs-control', checkId: '', value: 101, numerator: null, denominator: null },
    { unitId: office.id, indicatorId: 'discrepancy-resolution', checkId: '', value: 88, numerator: 88, denominator: 100 },
  ];
  const inputs = simulateRegularCheck(plan, { checkId: 'regular-2026-12-07', date: '2026-12-07', unitIds: [township.id, office.id], evidenceIds: ['campaign:c'] }, yearEnd, computed);

  it('is one check record covering the units, then their values and grades in that check', () => {
    expect(inputs[0]).toEqual({ type: 'check', unitId: null, body: { checkId: 'regular-2026-12-07', date: '2026-12-07', unitIds: [township.id, office.id], evidenceIds: ['campaign:c'] } });
    expect(inputs.slice(1).every((i) => i.body.checkId === 'regular-2026-12-07')).toBe(true);
  });

  it('never types in an indicator the survey measures: the campaign\'s results give it', () => {
    expect(inputs.filter((i) => (i.body.indicatorId as string) in SPOT_CHECK_INDICATORS)).toEqual([]);
  });

  it('takes the regular indicators the survey does not measure: computed rates as computed, grades as given at year end', () => {
    expect(inputs.slice(1).map((i) => [i.unitId, i.body.indicatorId, i.body.value ?? i.body.grade])).toEqual([
      [township.id, 'policy-compliant-rate', 96.5],
      [township.id, 'births-outside-policy', 1],
      [township.id, 'publicity-education', 'B'],
      [office.id, 'discrepancy-resolution', 88],
    ]);
  });
});
