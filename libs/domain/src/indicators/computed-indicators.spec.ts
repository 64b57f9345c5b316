import { xichong2026 } from '../scoring/scoring-test.factory';
import { COMPUTED_INDICATORS, computedIndicatorValues, type CountyMeasures, type IndicatorMeasure } from './computed-indicators';

const m = (group: string, numerator: number, denominator: number, evidence: string[] = []): IndicatorMeasure => ({ group, numerator, denominator, evidence });

function measures(overrides: Partial<CountyMeasures> = {}): CountyMeasures {
  return {
    births: [m('511325101', 12, 12, ['message:a', 'discrepancy:b'])],
    deaths: [m('511325101', 5, 5)],
    cards: [m('511325101', 300, 300), m('511325102', 700, 700)],
    policyCompliantBirths: [m('511325101', 9, 10, ['card:X'])],
    birthsBySex: [m('511325101', 6, 5)],
    discrepanciesDue: [m('511325101', 3, 4)],
    registryCompleteness: [m('511325101', 18, 20)],
    timeliness: { byAgency: [m('health', 90, 100)], byStation: [m('H511325003', 40, 50)] },
    validity: { byAgency: [m('health', 99, 100)], byStation: [] },
    coverage: [m('health', 49, 50)],
    verificationAnswers: [{ ...m('public-security', 3, 4, ['discrepancy:d1']), answered: 3, medianAnswerDays: 6 }],
    countyPopulation: 100_000,
    ...overrides,
  };
}

function valueOf(values: ReturnType<typeof computedIndicatorValues>, indicatorId: string, unitId: string) {
  const found = values.filter((v) => v.indicatorId === indicatorId && v.unitId === unitId);
  expect(found).toHaveLength(1);
  return found[0];
}

describe('computedIndicatorValues', () => {
  const plan = xichong2026();
  const values = computedIndicatorValues(plan, measures());

  it('computes every indicator the plan marks computed that the hub has a formula for, for each unit it applies to', () => {
    const computedInPlan = plan.lines.flatMap((l) => l.indicators.filter((i) => i.kind === 'quantitative-computed').map((i) => i.id));
    expect(new Set(computedInPlan)).toEqual(new Set(COMPUTED_INDICATORS));
    const township = plan.lines.find((l) => l.line === 'party-government')!.units.length;
    expect(values.filter((v) => v.indicatorId === 'births-vs-control')).toHaveLength(township);
  });

  it('counts births with the records behind them', () => {
    expect(valueOf(values, 'births-vs-control', '511325101')).toMatchObject({ value: 12, numerator: 12, evidence: ['message:a', 'discrepancy:b'] });
    expect(valueOf(values, 'births-vs-control', '511325102')).toMatchObject({ value: 0, evidence: [] });
  });

  it('estimates a township\'s population from its share of the cards for the natural growth rate', () => {
    // 30 % of the cards → 30,000 people; (12 − 5) / 30,000 × 1000 = 0.23 ‰
    expect(valueOf(values, 'natural-growth-rate', '511325101')).toMatchObject({ value: 0.23, numerator: 7, denominator: 30_000 });
    const without = computedIndicatorValues(plan, measures({ countyPopulation: undefined }));
    expect(valueOf(without, 'natural-growth-rate', '511325101')).toMatchObject({ value: null, note: 'no population figure' });
  });

  it('forms rates as percentages, and gives full marks where there is nothing to count', () => {
    expect(valueOf(values, 'policy-compliant-rate', '511325101')).toMatchObject({ value: 90, numerator: 9, denominator: 10 });
    expect(valueOf(values, 'births-outside-policy', '511325101')).toMatchObject({ value: 1 });
    expect(valueOf(values, 'sex-ratio-at-birth', '511325101')).toMatchObject({ value: 120, numerator: 6, denominator: 5 });
    expect(valueOf(values, 'sex-ratio-at-birth', '511325102')).toMatchObject({ value: null, note: 'no girls notified' });
    expect(valueOf(values, 'discrepancy-resolution', '511325101.fpo')).toMatchObject({ value: 75 });
    expect(valueOf(values, 'discrepancy-resolution', '511325102.fpo')).toMatchObject({ value: 100, denominator: 0, note: 'no discrepancy fell due' });
    expect(valueOf(values, 'registry-completeness', '511325101.fpo')).toMatchObject({ value: 90 });
  });

  it('measures a village on its own records and its township on all of its villages\' (by code prefix)', () => {
    const byVillage = computedIndicatorValues(plan, measures({
      births: [m('511325110001', 4, 4, ['message:v1']), m('511325110002', 3, 3, ['message:v2']), m('511325110', 1, 1, ['message:t'])],
      cards: [m('511325110001', 100, 100), m('511325110002', 100, 100), m('511325102', 800, 800)],
      deaths: [m('511325110001', 1, 1)],
      discrepanciesDue: [m('511325110001', 1, 2, ['discrepancy:d1']), m('511325110002', 2, 2)],
    }));
    expect(valueOf(byVillage, 'births-vs-control', '511325110001')).toMatchObject({ value: 4, evidence: ['message:v1'] });
    expect(valueOf(byVillage, 'births-vs-control', '511325110')).toMatchObject({ value: 8, evidence: ['message:v1', 'message:v2', 'message:t'] });
    // 10 % of the cards → 10,000 people; (4 − 1) / 10,000 × 1000 = 0.3 ‰
    expect(valueOf(byVillage, 'natural-growth-rate', '511325110001')).toMatchObject({ value: 0.3, denominator: 10_000, note: expect.stringContaining('village') });
    expect(valueOf(byVillage, 'discrepancy-resolution', '511325110001.vfp')).toMatchObject({ value: 50, numerator: 1, denominator: 2 });
    expect(valueOf(byVillage, 'discrepancy-resolution', '511325110.fpo')).toMatchObject({ value: 75, numerator: 3, denominator: 4 });
    // Assessors enter and grade the township's and FP office's indicators, not the villages'.
    expect(byVillage.filter((v) => v.unitId === '511325110001').map((v) => v.indicatorId).sort()).toEqual(
      ['births-outside-policy', 'births-vs-control', 'natural-growth-rate', 'policy-compliant-rate', 'sex-ratio-at-birth'],
    );
  });

  it('scores departments on their agency\'s records and stations on their own codes', () => {
    expect(valueOf(values, 'notification-timeliness', 'health')).toMatchObject({ value: 90 });
    expect(valueOf(values, 'notification-timeliness', 'health.hospital-003')).toMatchObject({ value: 80, numerator: 40, denominator: 50 });
    expect(valueOf(values, 'data-validity', 'health')).toMatchObject({ value: 99 });
    expect(valueOf(values, 'notification-coverage', 'health')).toMatchObject({ value: 98 });
  });

  it('scores a department on its verification requests answered on time, with the median answer time beside the rate', () => {
    expect(valueOf(values, 'verification-answers', 'public-security')).toMatchObject({
      value: 75, numerator: 3, denominator: 4, evidence: ['discrepancy:d1'], note: 'median answer time 6 days over 3 answered',
    });
    expect(valueOf(values, 'verification-answers', 'health')).toMatchObject({ value: 100, denominator: 0, note: 'no verification request fell due' });
    // Departments only: a station is not asked.
    expect(values.filter((v) => v.indicatorId === 'verification-answers' && v.unitId.includes('.'))).toEqual([]);
  });

  it('scores a department\'s median answer time in days, over the requests it answered; one that answered none has nothing slow', () => {
    expect(valueOf(values, 'verification-answer-days', 'public-security')).toMatchObject({
      value: 6, numerator: null, denominator: 3, evidence: ['discrepancy:d1'], note: 'median over 3 answered',
    });
    expect(valueOf(values, 'verification-answer-days', 'health')).toMatchObject({ value: 0, denominator: 0, evidence: [], note: 'no verification request answered' });
    // Requests fallen due but none answered: the rate counts them, the answer time has no answer to time.
    const unanswered = computedIndicatorValues(plan, measures({
      verificationAnswers: [{ ...m('civil-affairs', 0, 2, ['discrepancy:d2']), answered: 0, medianAnswerDays: null }],
    }));
    expect(valueOf(unanswered, 'verification-answers', 'civil-affairs')).toMatchObject({ value: 0, denominator: 2 });
    expect(valueOf(unanswered, 'verification-answer-days', 'civil-affairs')).toMatchObject({ value: 0, note: 'no verification request answered' });
    // A half-day median (of an even count) is kept as the database gives it.
    const even = computedIndicatorValues(plan, measures({
      verificationAnswers: [{ ...m('health', 4, 4), answered: 4, medianAnswerDays: 12.5 }],
    }));
    expect(valueOf(even, 'verification-answer-days', 'health')).toMatchObject({ value: 12.5, denominator: 4 });
    expect(values.filter((v) => v.indicatorId === 'verification-answer-days' && v.unitId.includes('.'))).toEqual([]);
  });
});
