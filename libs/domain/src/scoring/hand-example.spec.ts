import type { GradeInput, IndicatorValueInput, ScoringInputs } from './assessment-result';
import { explain } from './explain';
import { scoreAssessment } from './score-assessment';
import { CHECK_IDS, xichong2026 } from './scoring-test.factory';

const [Q2, Q3] = CHECK_IDS;
const NANTAI = '511325001'; // 南台街道, control number 156
const TAIPING = '511325101'; // 太平镇, control number 64
const ZHANSHAN = '511325203'; // 占山乡, control number 80

/**
 * Three townships on the shipped plan's party-government line, scored by hand.
 * Weights: quality 0.6 / level 0.4; year-end 0.6 / regular 0.4; grades A 1, B 0.85, C 0.7, D 0.5.
 * Sub-scores are points earned / points available × 100; everything is rounded to 0.01 as computed.
 *
 * 南台街道 511325001, year end
 *   births 150 of 156 (ratio 0.96 ≤ 1)           30 × 1               = 30.00
 *   growth −4.2‰ (≤ 0)                           15 × 1               = 15.00
 *   compliant 97.3% (≥ 95)                       30 × 1               = 30.00
 *   sex ratio 108.2 (≤ 110 step)                 15 × 0.6             =  9.00
 *   outside the policy 0 (pass)                  10 × 1               = 10.00   quality 94.00
 *   accuracy 98.7% ((98.7 − 90) / 10 = 0.87)     40 × 0.87            = 34.80
 *   publicity A, technical B, enforcement A      20 + 17 + 20         = 57.00   level 91.80
 *   year end 0.6 × 94.00 + 0.4 × 91.80 = 56.40 + 36.72                          = 93.12
 * regular (Q2, Q3; the mean of the checks' fractions)
 *   compliant 96% → 1, 93% → 0.8: 30 × 0.9 = 27.00; outside 0, 0: 10.00      quality 37 / 40 = 92.50
 *   accuracy 100% → 1, 97.5% → 0.75: 40 × 0.875 = 35.00; publicity A, B: 20 × 0.925 = 18.50
 *                                                                            level 53.5 / 60 = 89.17
 *   regular 0.6 × 92.50 + 0.4 × 89.17 = 55.50 + 35.668                                = 91.17
 * base 0.6 × 93.12 + 0.4 × 91.17 = 55.872 + 36.468 = 92.34; + commended 1.5 − late report 0.5
 * total 93.34: rank 1, first prize (≥ 90, quota 3).
 *
 * 太平镇 511325101, year end
 *   births 68 of 64 (ratio 1.0625: (1.1 − 1.0625) / 0.1 = 0.375)  30 × 0.375 = 11.25
 *   growth 1.5‰ ((5 − 1.5) / 5 = 0.7)            15 × 0.7             = 10.50
 *   compliant 92% ((92 − 85) / 10 = 0.7)         30 × 0.7             = 21.00
 *   sex ratio 112 (≤ 115 step)                   15 × 0.3             =  4.50
 *   outside the policy 0                                               = 10.00   quality 57.25
 *   accuracy 96% (0.6)                           40 × 0.6             = 24.00
 *   publicity B, technical C, enforcement B      17 + 14 + 17         = 48.00   level 72.00
 *   year end 0.6 × 57.25 + 0.4 × 72.00 = 34.35 + 28.80                          = 63.15
 * regular: compliant 90% → 0.5, 95% → 1: 30 × 0.75 = 22.50; outside 10.00   quality 32.5 / 40 = 81.25
 *   accuracy 95% → 0.5, 99% → 0.9: 40 × 0.7 = 28.00; publicity C, B: 20 × 0.775 = 15.50
 *                                                                            level 43.5 / 60 = 72.50
 *   regular 0.6 × 81.25 + 0.4 × 72.50 = 48.75 + 29.00                                 = 77.75
 * base 0.6 × 63.15 + 0.4 × 77.75 = 37.89 + 31.10 = 68.99
 * penalty: 2 verified complaints 2.00 + 5 late reports 2.50 held to the item's 2.00 = 4.00 (cap 5)
 * total 64.99: rank 2, no award (under 80, not under 60).
 *
 * 占山乡 511325203, year end: births 72 of 80, growth −6‰, compliant 95.83%, sex ratio 104 → 30 + 15 + 30 + 15;
 *   3 births outside the policy → 0 of 10: quality 90.00; accuracy 100%, grades A A A: level 100.00
 *   year end 0.6 × 90 + 0.4 × 100 = 94.00; regular (Q2 only) all full = 100.00
 * base 0.6 × 94 + 0.4 × 100 = 96.40; bonus: 3 innovations 3.00 held to 2.00 + commended 1.50 = 3.50, cap 3.00
 * total 99.40, the best score, but 3 births outside the policy, 41.67 per 1,000 births (more than 2 and more
 * than 20‰), trigger the veto: yellow card, ranked last (23rd).
 *
 * The other 20 townships have no facts at all: every indicator 0, total 0, yellow card (under 60).
 */
function handInputs(): ScoringInputs {
  const v = (unitId: string, indicatorId: string, value: number, checkId?: string, more: Partial<IndicatorValueInput> = {}): IndicatorValueInput =>
    ({ unitId, indicatorId, value, ...(checkId === undefined ? {} : { checkId }), evidenceIds: [`${unitId}/${indicatorId}/${checkId ?? 'year'}`], ...more });
  const g = (unitId: string, indicatorId: string, grade: GradeInput['grade'], checkId?: string): GradeInput => ({ unitId, indicatorId, grade, ...(checkId === undefined ? {} : { checkId }) });
  const yearEnd = (unit: string, facts: [number, number, number, number, number, number], grades: string) => ({
    values: ['births-vs-control', 'natural-growth-rate', 'policy-compliant-rate', 'sex-ratio-at-birth', 'births-outside-policy', 'birth-statistics-accuracy'].map((id, i) =>
      v(unit, id, facts[i], undefined, id === 'policy-compliant-rate' ? { numerator: facts[i] / 2, denominator: 50 } : id === 'births-outside-policy' ? { numerator: facts[i], denominator: facts[0] } : {}),
    ),
    grades: ['publicity-education', 'technical-services', 'law-enforcement'].map((id, i) => g(unit, id, grades[i] as GradeInput['grade'])),
  });
  const regular = (unit: string, check: string, compliant: number, accuracy: number, publicity: GradeInput['grade']) => ({
    values: [v(unit, 'policy-compliant-rate', compliant, check), v(unit, 'births-outside-policy', 0, check), v(unit, 'birth-statistics-accuracy', accuracy, check)],
    grades: [g(unit, 'publicity-education', publicity, check)],
  });
  const parts = [
    yearEnd(NANTAI, [150, -4.2, 97.3, 108.2, 0, 98.7], 'ABA'),
    regular(NANTAI, Q2, 96, 100, 'A'),
    regular(NANTAI, Q3, 93, 97.5, 'B'),
    yearEnd(TAIPING, [68, 1.5, 92, 112, 0, 96], 'BCB'),
    regular(TAIPING, Q2, 90, 95, 'C'),
    regular(TAIPING, Q3, 95, 99, 'B'),
    yearEnd(ZHANSHAN, [72, -6, 95.83, 104, 3, 100], 'AAA'),
    regular(ZHANSHAN, Q2, 100, 100, 'A'),
  ];
  return {
    values: parts.flatMap((p) => p.values),
    grades: parts.flatMap((p) => p.grades),
    regularChecks: [
      { checkId: Q2, unitIds: [NANTAI, TAIPING, ZHANSHAN], evidenceIds: ['check-record-q2'] },
      { checkId: Q3, unitIds: [NANTAI, TAIPING], evidenceIds: ['check-record-q3'] },
    ],
    items: [
      { unitId: NANTAI, itemId: 'commended', evidenceIds: ['city-commendation-2026-031'] },
      { unitId: NANTAI, itemId: 'late-report', evidenceIds: ['report-2026-05-late'] },
      { unitId: TAIPING, itemId: 'verified-complaint', count: 2, evidenceIds: ['complaint-118', 'complaint-140'] },
      { unitId: TAIPING, itemId: 'late-report', count: 5, evidenceIds: ['reports-late-2026'] },
      { unitId: ZHANSHAN, itemId: 'innovation', count: 3, evidenceIds: ['innovation-a', 'innovation-b', 'innovation-c'] },
      { unitId: ZHANSHAN, itemId: 'commended', evidenceIds: ['city-commendation-2026-007'] },
    ],
  };
}

describe('three townships of the 2026 plan, scored by hand', () => {
  const result = scoreAssessment(xichong2026(), handInputs());
  const unit = (id: string) => result.units.find((u) => u.unitId === id)!;
  const node = (id: string, key: string) => {
    const walk = (n: typeof result.units[number]['breakdown']): typeof n | undefined => (n.key === key ? n : n.children.map(walk).find((x) => x !== undefined));
    return walk(unit(id).breakdown)!;
  };

  // Sub-scores: year-end quality, year-end level, regular quality, regular level.
  it.each([
    [NANTAI, { yearEnd: 93.12, regular: 91.17, bonus: 1.5, penalty: 0.5, score: 93.34, rank: 1 }, [94, 91.8, 92.5, 89.17]],
    [TAIPING, { yearEnd: 63.15, regular: 77.75, bonus: 0, penalty: 4, score: 64.99, rank: 2 }, [57.25, 72, 81.25, 72.5]],
    [ZHANSHAN, { yearEnd: 94, regular: 100, bonus: 3, penalty: 0, score: 99.4, rank: 23 }, [90, 100, 100, 100]],
  ])('%s matches to the point', (id, totals, subScores) => {
    expect(unit(id)).toMatchObject(totals);
    const keys = ['year-end/quality', 'year-end/level', 'regular/quality', 'regular/level'];
    expect(keys.map((key) => node(id, key).score)).toEqual(subScores);
  });

  it('gives 南台 the first prize, 太平 no award and 占山 a yellow card for its veto', () => {
    expect(unit(NANTAI).outcome).toEqual({ kind: 'award', tierId: 'first', name: { zh: '一等奖', en: 'first prize' }, prize: 8000 });
    expect(unit(TAIPING).outcome.kind).toBe('no-award');
    expect(unit(ZHANSHAN).outcome).toEqual({ kind: 'yellow-card', name: { zh: '黄牌警告', en: 'yellow card' }, reasons: [{ zh: '一票否决：政策外生育超过2例且超过出生数的20‰', en: 'veto: more than 2 births outside the policy, and more than 20 per 1,000 births' }] });
    expect(unit(ZHANSHAN).vetoes[0].conditions!.map((c) => [c.measure, c.measured])).toEqual([['value', 3], ['per-thousand', 41.67]]);
    expect(unit('511325002')).toMatchObject({ score: 0, rank: 3, outcome: { kind: 'yellow-card' } });
  });

  it('shows each number down to its facts and evidence', () => {
    expect(node(TAIPING, 'year-end/quality/births-vs-control')).toMatchObject({ score: 11.25, max: 30, fraction: 0.375, facts: { value: 68, target: 64, evidenceIds: [`${TAIPING}/births-vs-control/year`] } });
    expect(node(TAIPING, `regular/level/birth-statistics-accuracy/${Q3}`)).toMatchObject({ score: 36, facts: { value: 99, evidenceIds: [`${TAIPING}/birth-statistics-accuracy/${Q3}`, 'check-record-q3'] } });
    expect(node(TAIPING, 'year-end/quality/policy-compliant-rate').facts).toMatchObject({ value: 92, numerator: 46, denominator: 50 });
    expect(node(TAIPING, 'penalty/late-report')).toMatchObject({ score: 2, facts: { value: 5, evidenceIds: ['reports-late-2026'] } });
    expect(node(ZHANSHAN, 'bonus')).toMatchObject({ score: 3, note: '3.5 found, capped at 3' });
    expect(unit('511325002').breakdown.children[0].children[0].children[0].facts).toEqual({ checkId: undefined, problem: 'no value', evidenceIds: [] });
  });

  it('explains 太平 by its largest losses and 占山 by its veto first', () => {
    // births: 18.75 short × quality 0.6 × year end 0.6 = 6.75; regular compliance: 7.5 of 40 (× 2.5) × 0.24 = 4.50;
    // year-end accuracy: 16 × 0.4 × 0.6 = 3.84.
    expect(explain(unit(TAIPING)).map((r) => [r.key, r.lostPoints])).toEqual([
      ['year-end/quality/births-vs-control', 6.75],
      ['regular/quality/policy-compliant-rate', 4.5],
      ['year-end/level/birth-statistics-accuracy', 3.84],
    ]);
    const reasons = explain(unit(ZHANSHAN), 1);
    expect(reasons[0]).toMatchObject({ kind: 'veto', key: 'veto/births-outside-policy', lostPoints: null, evidenceIds: [`${ZHANSHAN}/births-outside-policy/year`] });
    expect(reasons[1]).toMatchObject({ kind: 'indicator', key: 'year-end/quality/births-outside-policy', lostPoints: 3.6 });
  });

  it('accounts for every lost point: the losses add up to 100 − base + penalty', () => {
    const losses = explain(unit(TAIPING), Infinity).reduce((sum, r) => sum + (r.lostPoints ?? 0), 0);
    expect(losses).toBeCloseTo(100 - 68.99 + 4, 6);
  });
});
