import { scoreAssessment } from '../scoring/score-assessment';
import { lineOf, randomLineInputs, xichong2026 } from '../scoring/scoring-test.factory';
import type { ScoringInputs } from '../scoring/assessment-result';
import { campaignCheckId, withSpotCheckResults, type PublishedCampaignResult } from './spot-check-scoring';
import type { PercentEstimate, SurveyUnitIndicators } from './survey-indicators';

const TAIPING = '511325101';

function estimate(value: number, numerator: number, denominator: number): PercentEstimate {
  return { value, lower: value - 5, upper: Math.min(100, value + 3), numerator, denominator, clusters: 3, designEffect: 1.4 };
}

function campaign(birthAccuracy: number): PublishedCampaignResult {
  const unit = (unitId: string, level: SurveyUnitIndicators['level']): SurveyUnitIndicators => ({
    unitId, level, returnIds: ['r-1', 'r-2'], itemAgreement: estimate(96, 96, 100), birthAccuracy: estimate(birthAccuracy, birthAccuracy / 5, 20),
    missedBirths: 1, missedPersons: 0, findings: 5,
  });
  return { campaignId: 'c-2026-1', date: '2026-07-01', units: [unit('511325101201', 'village'), unit(TAIPING, 'township'), unit(`${TAIPING}.fpo`, 'fp-office')] };
}

/** The 2026 plan's party-government line with random inputs, Taiping covered by one typed-in check with 出生统计求实率 98%. */
function typedInputs(): ScoringInputs {
  const plan = xichong2026();
  const inputs = randomLineInputs(lineOf(plan, 'party-government'), 11);
  const checks = inputs.regularChecks!.map((c, i) => ({ ...c, unitIds: i === 0 ? [...new Set([...c.unitIds, TAIPING])] : c.unitIds.filter((u) => u !== TAIPING) }));
  const [typed] = checks;
  const values = inputs.values.filter((v) => !(v.unitId === TAIPING && v.checkId !== undefined));
  const grades = (inputs.grades ?? []).filter((g) => !(g.unitId === TAIPING && g.checkId !== undefined));
  values.push(
    { unitId: TAIPING, indicatorId: 'policy-compliant-rate', checkId: typed.checkId, value: 96 },
    { unitId: TAIPING, indicatorId: 'births-outside-policy', checkId: typed.checkId, value: 0 },
    { unitId: TAIPING, indicatorId: 'birth-statistics-accuracy', checkId: typed.checkId, value: 98, evidenceIds: ['typed'] },
  );
  grades.push({ unitId: TAIPING, indicatorId: 'publicity-education', checkId: typed.checkId, grade: 'A' });
  return { values, grades, items: [], regularChecks: checks, vetoEvents: [] };
}

function taiping(inputs: ScoringInputs) {
  return scoreAssessment(xichong2026(), inputs).units.find((u) => u.unitId === TAIPING)!;
}

describe('withSpotCheckResults', () => {
  it('replaces the typed-in 出生统计求实率 of a covered township and moves its score by the hand-computed amount', () => {
    const before = taiping(typedInputs());
    const after = taiping(withSpotCheckResults(xichong2026(), typedInputs(), [campaign(95)]));
    // 98% → fraction 0.8; 95% → 0.5 (linear, full 100, zero 90). Level, regular period: 40 of the 60 points available,
    // so the level sub-score moves 100 × 40 × (0.5 − 0.8) / 60 = −20; level weighs 0.4 and the regular part 0.4:
    // −20 × 0.4 × 0.4 = −3.2 points of the total.
    expect(after.score - before.score).toBeCloseTo(-3.2, 2);
    expect(after.regular! - before.regular!).toBeCloseTo(-8, 2);
  });

  it('keeps the typed-in check for what the campaign does not measure, and drills down to the returns', () => {
    const result = taiping(withSpotCheckResults(xichong2026(), typedInputs(), [campaign(95)]));
    const regular = result.breakdown.children.find((c) => c.key === 'regular')!;
    const indicator = (id: string) => regular.children.flatMap((d) => d.children).find((n) => n.key.endsWith(`/${id}`))!;
    expect(indicator('birth-statistics-accuracy').children.map((c) => c.facts)).toEqual([
      expect.objectContaining({ checkId: campaignCheckId('c-2026-1'), value: 95, numerator: 19, denominator: 20, evidenceIds: expect.arrayContaining(['campaign:c-2026-1', 'return:r-1', 'return:r-2']) }),
    ]);
    expect(indicator('publicity-education').children.map((c) => c.facts?.grade)).toEqual(['A']);
    expect(indicator('policy-compliant-rate').children).toHaveLength(1);
  });

  it('vetoes on a campaign\'s 出生统计求实率 only when its whole 95% interval is under 90%', () => {
    const campaignVetoes = (lower: number, value: number, upper: number) => {
      const result = campaign(value);
      const units = result.units.map((u) => ({ ...u, birthAccuracy: { ...u.birthAccuracy, value, lower, upper } }));
      return taiping(withSpotCheckResults(xichong2026(), typedInputs(), [{ ...result, units }]))
        .vetoes.filter((v) => v.checkId === campaignCheckId('c-2026-1')).map((v) => v.vetoId);
    };
    // 3 of 4 births registered: 75%, but the survey cannot tell that from 96%.
    expect(campaignVetoes(30, 75, 96)).toEqual([]);
    // Even the best case is under 90%: the check shows births left out.
    expect(campaignVetoes(70, 80, 88)).toEqual(['statistics-accuracy']);
    // A typed-in value has no interval: 85% is under 90% (the rule as it was).
    const typed = typedInputs();
    const value = typed.values.find((v) => v.unitId === TAIPING && v.indicatorId === 'birth-statistics-accuracy' && v.checkId !== undefined)!;
    value.value = 85;
    expect(taiping(typed).vetoes.filter((v) => v.checkId === value.checkId).map((v) => v.vetoId)).toContain('statistics-accuracy');
  });

  it('gives a covered FP office both figures the survey measures, and leaves inputs without a campaign as they were', () => {
    const inputs = typedInputs();
    const merged = withSpotCheckResults(xichong2026(), inputs, [campaign(95)]);
    expect(merged.values.filter((v) => v.unitId === `${TAIPING}.fpo`).map((v) => [v.indicatorId, v.value])).toEqual([
      ['birth-statistics-accuracy', 95],
      ['registry-accuracy', 96],
    ]);
    expect(merged.values.some((v) => v.evidenceIds?.includes('typed'))).toBe(false);
    expect(withSpotCheckResults(xichong2026(), inputs, [])).toEqual(inputs);
  });
});
