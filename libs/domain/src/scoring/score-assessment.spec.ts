import fc from 'fast-check';
import type { AssessmentLineId, AssessmentPlan, IndicatorDimension, PlanIndicator, PlanUnit } from './assessment-plan';
import { ScoringInputError, type IndicatorValueInput, type ScoringInputs, type UnitResult } from './assessment-result';
import { scoreAssessment } from './score-assessment';
import { roundPoints } from './scoring-rule';
import { CHECK_IDS, lineOf, randomLineInputs, shuffle, shuffledInputs, targetOf, triggeringValues, xichong2026 } from './scoring-test.factory';
import { seededRandom } from '../seeded-random';

const LINES: AssessmentLineId[] = ['party-government', 'business', 'department'];
const seed = fc.integer({ min: 1, max: 2 ** 31 - 1 });

function unitsOf(plan: AssessmentPlan, line: AssessmentLineId, inputs: ScoringInputs): UnitResult[] {
  return scoreAssessment(plan, inputs).units.filter((u) => u.line === line);
}

describe('scoreAssessment properties (fast-check)', () => {
  it('never lowers a unit’s score when a quantitative value moves towards its target', () => {
    fc.assert(
      fc.property(fc.constantFrom(...LINES), seed, fc.nat(), fc.double({ min: 0.1, max: 50, noNaN: true }), (lineId, s, pick, step) => {
        const plan = xichong2026();
        const line = lineOf(plan, lineId);
        const inputs = randomLineInputs(line, s, { vetoes: true });
        const chosen = inputs.values[pick % inputs.values.length];
        const rule = line.indicators.find((i) => i.id === chosen.indicatorId)!.scoring!;
        const better = { ...chosen, value: chosen.value + (rule.direction === 'higher-is-better' ? step : -step) };
        const scoreOf = (values: IndicatorValueInput[]) => unitsOf(plan, lineId, { ...inputs, values }).find((u) => u.unitId === chosen.unitId)!.score;
        expect(scoreOf(inputs.values.map((v) => (v === chosen ? better : v)))).toBeGreaterThanOrEqual(scoreOf([...inputs.values]));
      }),
      { numRuns: 60 },
    );
  });

  it('lets a veto win over any score: no award, a yellow card with the reason, ranked after every unit not vetoed', () => {
    fc.assert(
      fc.property(fc.constantFrom(...LINES), seed, fc.nat(), fc.nat(), (lineId, s, unitPick, vetoPick) => {
        const plan = xichong2026();
        const line = lineOf(plan, lineId);
        const unit = line.units[unitPick % line.units.length];
        const scoredOn = (id: string) => line.indicators.some((i) => i.id === id && (i.appliesTo === undefined || i.appliesTo.includes(unit.kind)));
        // An indicator veto reaches only units scored on its indicators (a village is not on the ones assessors enter).
        const applicable = line.vetoes.filter((v) => (v.appliesTo === undefined || v.appliesTo.includes(unit.kind)) && (v.kind === 'event' || [v, ...(v.and ?? [])].every((c) => scoredOn(c.indicatorId))));
        fc.pre(applicable.length > 0);
        const veto = applicable[vetoPick % applicable.length];
        const inputs = randomLineInputs(line, s);
        // The vetoed unit is otherwise graded A everywhere and gets every bonus.
        const grades = (inputs.grades ?? []).map((g) => (g.unitId === unit.id ? { ...g, grade: 'A' as const } : g));
        const items = [...(inputs.items ?? []).filter((i) => i.unitId !== unit.id), ...line.bonus.items.map((b) => ({ unitId: unit.id, itemId: b.id, count: 9, evidenceIds: ['b'] }))];
        let { values } = inputs;
        let vetoEvents = [{ unitId: unit.id, vetoId: veto.id, evidenceIds: ['event-record'] }];
        if (veto.kind === 'indicator') {
          vetoEvents = [];
          const triggering = triggeringValues(veto);
          values = values.map((v) => (v.unitId === unit.id && triggering.has(v.indicatorId) && v.checkId === undefined ? { ...v, ...triggering.get(v.indicatorId) } : v));
        }
        const units = unitsOf(plan, lineId, { ...inputs, values, grades, items, vetoEvents });
        const vetoed = units.find((u) => u.unitId === unit.id)!;
        expect(vetoed.vetoes.map((v) => v.vetoId)).toContain(veto.id);
        expect(vetoed.outcome).toMatchObject({ kind: 'yellow-card', reasons: expect.arrayContaining([expect.objectContaining({ en: `veto: ${veto.name.en}` })]) });
        for (const other of units.filter((u) => u.group === vetoed.group && u.vetoes.length === 0)) expect(other.rank).toBeLessThan(vetoed.rank);
      }),
      { numRuns: 60 },
    );
  });

  it('applies the quality/level and year-end/regular weights exactly as the plan says', () => {
    // Full marks in one cell of the four (period × dimension), nothing elsewhere: the total is the two weights' product × 100.
    const twentieths = fc.integer({ min: 0, max: 20 }).map((k) => k / 20);
    fc.assert(
      fc.property(twentieths, twentieths, fc.constantFrom('year-end', 'regular'), fc.constantFrom<IndicatorDimension>('quality', 'level'), fc.nat(), (quality, yearEnd, period, dimension, pick) => {
        const plan = xichong2026();
        const line = lineOf(plan, 'party-government');
        line.weights = { quality, level: 1 - quality };
        line.periods = { ...line.periods, yearEnd, regular: 1 - yearEnd };
        // Townships: each of the four cells has indicators for them (a village has no level indicator).
        const townships = line.units.filter((u) => u.kind === 'township');
        const unit = townships[pick % townships.length];
        const checkId = period === 'regular' ? CHECK_IDS[0] : undefined;
        const cell = line.indicators.filter((i) => i.dimension === dimension && i.periods.includes(period));
        const inputs: ScoringInputs = {
          values: cell.filter((i) => i.kind !== 'qualitative').map((i) => ({ unitId: unit.id, indicatorId: i.id, checkId, value: bestValue(i, unit) })),
          grades: cell.filter((i) => i.kind === 'qualitative').map((i) => ({ unitId: unit.id, indicatorId: i.id, checkId, grade: 'A' as const })),
          regularChecks: [{ checkId: CHECK_IDS[0], unitIds: [unit.id] }],
        };
        const result = unitsOf(plan, 'party-government', inputs).find((u) => u.unitId === unit.id)!;
        const periodWeight = period === 'year-end' ? yearEnd : 1 - yearEnd;
        const dimensionWeight = dimension === 'quality' ? quality : 1 - quality;
        expect(result.score).toBe(roundPoints(periodWeight * roundPoints(dimensionWeight * 100)));
        expect(result.breakdown.children.find((p) => p.key === period)!.weight).toBeCloseTo(periodWeight, 12);
      }),
      { numRuns: 100 },
    );
  });

  it('ranks, fills quotas and breaks ties the same whatever order the inputs and units come in', () => {
    fc.assert(
      fc.property(fc.constantFrom(...LINES), seed, seed, (lineId, s, shuffleSeed) => {
        // Without the plan's explicit last criterion, the engine's own fallback to the unit id is what decides.
        const withoutUnitId = (plan: AssessmentPlan) => {
          for (const group of lineOf(plan, lineId).rankings) group.tieBreak = group.tieBreak.filter((c) => c.by !== 'unit-id');
          return plan;
        };
        const plan = withoutUnitId(xichong2026());
        // Three input profiles for ~23 units: many exact ties.
        const inputs = randomLineInputs(lineOf(plan, lineId), s, { profiles: 3 });
        const expected = scoreAssessment(plan, inputs);
        const reordered = withoutUnitId(xichong2026());
        const line = lineOf(reordered, lineId);
        line.units = shuffle(line.units, seededRandom(shuffleSeed));
        expect(scoreAssessment(reordered, shuffledInputs(inputs, shuffleSeed))).toEqual(expected);

        for (const group of lineOf(plan, lineId).rankings) {
          const ranked = expected.units.filter((u) => u.group === group.id);
          expect(ranked.map((u) => u.rank)).toEqual(ranked.map((_, i) => i + 1));
          const tierIndex = (u: UnitResult) => (u.outcome.kind === 'award' ? group.tiers.findIndex((t) => u.outcome.kind === 'award' && t.id === u.outcome.tierId) : group.tiers.length);
          for (const [i, tier] of group.tiers.entries()) {
            const holders = ranked.filter((u) => tierIndex(u) === i);
            expect(holders.length).toBeLessThanOrEqual(tier.quota);
            // A unit reaching the tier's score without an award or a better tier means the tier was full.
            const missed = ranked.filter((u) => u.vetoes.length === 0 && u.score >= tier.minScore && tierIndex(u) > i);
            if (missed.length > 0) expect(holders.length).toBe(tier.quota);
          }
          for (let i = 1; i < ranked.length; i++) expect(tierIndex(ranked[i])).toBeGreaterThanOrEqual(tierIndex(ranked[i - 1]));
        }
      }),
      { numRuns: 60 },
    );
  });
});

/** A value that earns an indicator's full points and triggers no veto. */
function bestValue(indicator: PlanIndicator, unit: PlanUnit): number {
  const rule = indicator.scoring!;
  const target = targetOf(indicator, unit);
  switch (rule.type) {
    case 'ratio-to-target':
      return rule.direction === 'higher-is-better' ? target * rule.cap : 0;
    case 'linear':
      return rule.full * (rule.measure === 'ratio-to-target' ? target : 1);
    case 'thresholds':
      return rule.steps[0].bound * (rule.measure === 'ratio-to-target' ? target : 1);
    case 'pass-fail':
      return rule.bound;
  }
}

describe('ties and quotas, by example', () => {
  // Weights 0.5/0.5 and no regular checks: full quality marks or full level marks both score 50.
  function tiedPair(tieBreak: AssessmentPlan['lines'][number]['rankings'][number]['tieBreak']) {
    const plan = xichong2026();
    const line = lineOf(plan, 'party-government');
    line.weights = { quality: 0.5, level: 0.5 };
    line.rankings[0].tieBreak = tieBreak;
    // Plan order must not decide a tie.
    line.units.reverse();
    line.rankings[0].tiers = [
      { id: 'gold', name: { zh: '一等', en: 'gold' }, minScore: 40, quota: 1, prize: 100 },
      { id: 'silver', name: { zh: '二等', en: 'silver' }, minScore: 30, quota: 5, prize: 50 },
    ];
    const full = (unitId: string, dimension: IndicatorDimension): Pick<ScoringInputs, 'values' | 'grades'> => {
      const cell = line.indicators.filter((i) => i.dimension === dimension && i.periods.includes('year-end'));
      const unit = line.units.find((u) => u.id === unitId)!;
      return {
        values: cell.filter((i) => i.kind !== 'qualitative').map((i) => ({ unitId, indicatorId: i.id, value: bestValue(i, unit) })),
        grades: cell.filter((i) => i.kind === 'qualitative').map((i) => ({ unitId, indicatorId: i.id, grade: 'A' as const })),
      };
    };
    // 罐垭乡 (…232) full quality, 南台街道 (…001) full level.
    const [a, b] = [full('511325232', 'quality'), full('511325001', 'level')];
    const units = scoreAssessment(plan, { values: [...a.values, ...b.values], grades: [...a.grades!, ...b.grades!] }).units;
    return units.slice(0, 2).map((u) => [u.unitId, u.score, u.outcome.kind === 'award' ? u.outcome.tierId : u.outcome.kind]);
  }

  it('breaks a tie by the plan’s first criterion that differs, and the runner-up falls to the next tier', () => {
    expect(tiedPair([{ by: 'quality' }, { by: 'unit-id' }])).toEqual([['511325232', 50, 'gold'], ['511325001', 50, 'silver']]);
    expect(tiedPair([{ by: 'level' }])).toEqual([['511325001', 50, 'gold'], ['511325232', 50, 'silver']]);
  });

  it('falls back to the unit id when every criterion ties', () => {
    expect(tiedPair([{ by: 'penalty' }, { by: 'year-end' }])).toEqual([['511325001', 50, 'gold'], ['511325232', 50, 'silver']]);
  });
});

describe('the department line: grades as factors, stations without a level dimension', () => {
  const plan = xichong2026();
  const quantitative = (unitId: string): IndicatorValueInput[] => [
    { unitId, indicatorId: 'notification-timeliness', value: 76 }, // 76 / 95 = 0.8 → 32 of 40
    { unitId, indicatorId: 'notification-coverage', value: 98 }, // 40 of 40
    { unitId, indicatorId: 'data-validity', value: 97.5 }, // ≥ 97 → 0.8 → 16 of 20
  ];
  const units = scoreAssessment(plan, {
    values: [
      ...quantitative('public-security'), ...quantitative('public-security.ps-001'),
      { unitId: 'public-security', indicatorId: 'verification-answers', value: 95 }, // at the target: 60 of 60
      { unitId: 'public-security', indicatorId: 'verification-answer-days', value: 8 }, // under the 10 days: 40 of 40
    ],
    grades: [
      { unitId: 'public-security', indicatorId: 'sector-tasks', grade: 'B' },
      { unitId: 'public-security', indicatorId: 'coordination-publicity', grade: 'C' },
    ],
  }).units;

  it('multiplies the level sub-score by each grade’s factor', () => {
    // quality 88; level (verification answers) 100 × 0.95 × 0.9 = 85.5; year end only: 0.7 × 88 + 0.3 × 85.5 = 87.25
    const department = units.find((u) => u.unitId === 'public-security')!;
    expect([department.quality, department.level, department.score]).toEqual([88, 85.5, 87.25]);
    expect(department.outcome.kind).toBe('no-award');
  });

  it('scores a station on quality alone, which takes the whole weight', () => {
    const station = units.find((u) => u.unitId === 'public-security.ps-001')!;
    expect([station.quality, station.level, station.score, station.breakdown.children[0].children[0].weight]).toEqual([88, null, 88, 1]);
  });

  it('takes from a department that answers its verification requests slowly the points the median answer time costs', () => {
    const answering = (unitId: string, medianDays: number): IndicatorValueInput[] => [
      ...quantitative(unitId),
      { unitId, indicatorId: 'verification-answers', value: 100 }, // every request answered on time: 60 of 60
      { unitId, indicatorId: 'verification-answer-days', value: medianDays },
    ];
    const graded = (unitId: string) => ['sector-tasks', 'coordination-publicity'].map((indicatorId) => ({ unitId, indicatorId, grade: 'A' as const }));
    const result = scoreAssessment(plan, {
      values: [...answering('civil-affairs', 10), ...answering('health', 16)],
      grades: [...graded('civil-affairs'), ...graded('health')],
    }).units;
    const [onTarget, slow] = ['civil-affairs', 'health'].map((id) => result.find((u) => u.unitId === id)!);
    // At the 10-day target: full 40. At 16 days: 40 × 10 / 16 = 25, 15 lost; level (60 + 25) / 100 = 85.
    // Totals, year end only: 0.7 × 88 + 0.3 × 100 = 91.6; 0.7 × 88 + 0.3 × 85 = 87.1, the 15 level points × 0.3 = 4.5 lost.
    const days = (u: UnitResult) => u.breakdown.children[0].children.find((d) => d.key === 'year-end/level')!.children.find((i) => i.key.endsWith('/verification-answer-days'))!;
    expect([days(onTarget).score, days(onTarget).max, onTarget.level, onTarget.score]).toEqual([40, 40, 100, 91.6]);
    expect([days(slow).score, days(slow).max, days(slow).lost, slow.level, slow.score]).toEqual([25, 40, 4.5, 85, 87.1]);
    expect(days(slow).facts).toMatchObject({ value: 16, target: 10 });
  });
});

describe('units a regular check never covered', () => {
  it("are scored on year end alone, or get 0 for the regular part when the plan says 'zero'", () => {
    const plan = xichong2026();
    const values = [{ unitId: '511325101.fpo', indicatorId: 'registry-completeness', value: 100 }];
    const alone = scoreAssessment(plan, { values }).units.find((u) => u.unitId === '511325101.fpo')!;
    expect([alone.yearEnd, alone.regular, alone.score]).toEqual([15, null, 15]);
    expect(alone.breakdown.note).toContain('year-end assessment alone');
    lineOf(plan, 'business').periods.whenNotChecked = 'zero';
    const zero = scoreAssessment(plan, { values }).units.find((u) => u.unitId === '511325101.fpo')!;
    expect([zero.yearEnd, zero.regular, zero.score]).toEqual([15, 0, 9]);
  });
});

describe('inputs the plan cannot score', () => {
  const at = { unitId: '511325001', indicatorId: 'natural-growth-rate', value: 1 };
  it.each<[string, ScoringInputs, string]>([
    ['an unknown unit', { values: [{ ...at, unitId: '511325999' }] }, 'unknown unit 511325999'],
    ['an indicator of another line', { values: [{ ...at, indicatorId: 'data-validity' }] }, 'no such indicator'],
    ['a value for a period the indicator is not assessed in', { values: [{ ...at, checkId: 'c' }], regularChecks: [{ checkId: 'c', unitIds: ['511325001'] }] }, 'not assessed in that period'],
    ['a check that did not cover the unit', { values: [{ ...at, indicatorId: 'policy-compliant-rate', checkId: 'c' }], regularChecks: [{ checkId: 'c', unitIds: [] }] }, 'did not cover'],
    ['the same value twice', { values: [at, { ...at, value: 2 }] }, 'given twice'],
    ['a grade for a quantitative indicator', { values: [], grades: [{ unitId: '511325001', indicatorId: 'natural-growth-rate', grade: 'A' }] }, 'quantitative-computed'],
    ['an event veto the line does not have', { values: [], vetoEvents: [{ unitId: 'health', vetoId: 'serious-incident', evidenceIds: [] }] }, 'no such event veto'],
  ])('rejects %s', (_, inputs, message) => {
    expect(() => scoreAssessment(xichong2026(), inputs)).toThrow(ScoringInputError);
    expect(() => scoreAssessment(xichong2026(), inputs)).toThrow(message);
  });

  it('refuses an inconsistent plan', () => {
    const plan = xichong2026();
    lineOf(plan, 'party-government').weights.quality = 0.9;
    expect(() => scoreAssessment(plan, { values: [] })).toThrow('quality and level weights do not sum to 1');
  });
});
