import type { AssessmentPlan, VetoRule } from './assessment-plan';
import { checkPlan } from './assessment-plan';
import type { IndicatorValueInput, ScoringInputs, UnitResult } from './assessment-result';
import { scoreAssessment } from './score-assessment';
import { CHECK_IDS, lineOf, xichong2026 } from './scoring-test.factory';

const TOWNSHIP = '511325104'; // 古楼镇

/** The shipped plan's township line scored with only `values` for 古楼镇 (every other fact absent). */
function township(values: Omit<IndicatorValueInput, 'unitId'>[], plan: AssessmentPlan = xichong2026(), extra: Partial<ScoringInputs> = {}): UnitResult {
  const inputs: ScoringInputs = { values: values.map((v) => ({ unitId: TOWNSHIP, evidenceIds: [`${v.indicatorId}/${v.checkId ?? 'year'}`], ...v })), ...extra };
  return scoreAssessment(plan, inputs).units.find((u) => u.unitId === TOWNSHIP)!;
}

const outside = (count: number, births: number, checkId?: string): Omit<IndicatorValueInput, 'unitId'> => ({
  indicatorId: 'births-outside-policy', value: count, numerator: count, denominator: births, ...(checkId === undefined ? {} : { checkId }),
});
const vetoIds = (unit: UnitResult) => unit.vetoes.map((v) => v.vetoId);

describe('the 2026 plan\'s veto thresholds', () => {
  describe('births outside the policy: more than 2, and more than 20 per 1,000 births', () => {
    it.each([
      ['one birth in a small township (1 of 40: 25‰)', false, 1, 40],
      ['two births (2 of 40: 50‰)', false, 2, 40],
      ['three in a large township (3 of 160: 18.75‰)', false, 3, 160],
      ['three of 150 births: exactly 20‰, not above', false, 3, 150],
      ['three of 120 births (25‰)', true, 3, 120],
      ['five of 60 births (83.3‰)', true, 5, 60],
    ])('%s: vetoed %s', (_, vetoed, count, births) => {
      expect(vetoIds(township([outside(count, births)])).includes('births-outside-policy')).toBe(vetoed);
    });

    it('says what was found against each bound', () => {
      const unit = township([outside(4, 90)]);
      expect(unit.vetoes).toEqual([
        {
          vetoId: 'births-outside-policy', name: lineOf(xichong2026(), 'party-government').vetoes[0].name, checkId: undefined, value: 4,
          conditions: [
            { indicatorId: 'births-outside-policy', measure: 'value', op: 'above', bound: 2, measured: 4, value: 4, numerator: 4, denominator: 90 },
            { indicatorId: 'births-outside-policy', measure: 'per-thousand', op: 'above', bound: 20, measured: 44.44, value: 4, numerator: 4, denominator: 90 },
          ],
          evidenceIds: ['births-outside-policy/year'],
        },
      ]);
      expect(unit.outcome).toMatchObject({ kind: 'yellow-card', reasons: [{ zh: '一票否决：政策外生育超过2例且超过出生数的20‰' }] });
    });

    it('cannot measure a rate without births: no denominator, no veto', () => {
      expect(vetoIds(township([{ indicatorId: 'births-outside-policy', value: 5 }]))).not.toContain('births-outside-policy');
      expect(vetoIds(township([outside(5, 0)]))).not.toContain('births-outside-policy');
    });

    it('applies to what a regular check found, too', () => {
      const checks = { regularChecks: [{ checkId: CHECK_IDS[0], unitIds: [TOWNSHIP] }] };
      const unit = township([outside(0, 100), outside(3, 30, CHECK_IDS[0])], xichong2026(), checks);
      expect(unit.vetoes.map((v) => [v.vetoId, v.checkId])).toEqual([['births-outside-policy', CHECK_IDS[0]]]);
    });
  });

  it.each([
    ['policy-compliant-rate', 89.9, 'policy-compliance', true],
    ['policy-compliant-rate', 90, 'policy-compliance', false],
    ['birth-statistics-accuracy', 89.99, 'statistics-accuracy', true],
    ['birth-statistics-accuracy', 90, 'statistics-accuracy', false],
  ])('%s at %s: veto %s %s', (indicatorId, value, vetoId, vetoed) => {
    expect(vetoIds(township([{ indicatorId, value }])).includes(vetoId)).toBe(vetoed);
  });

  it('vetoes for falsified statistics (瞒报、虚报) when assessors enter the event with its evidence', () => {
    const unit = township([], xichong2026(), { vetoEvents: [{ unitId: TOWNSHIP, vetoId: 'falsification', evidenceIds: ['check:2026-q3/signed'], note: '虚报出生2例' }] });
    expect(unit.vetoes).toEqual([expect.objectContaining({ vetoId: 'falsification', evidenceIds: ['check:2026-q3/signed'], note: '虚报出生2例' })]);
  });

  it('applies a veto only to the unit kinds it names', () => {
    const plan = xichong2026();
    const department = lineOf(plan, 'department');
    const stationOnly: VetoRule = { id: 'stations-late', name: { zh: '站所迟报', en: 'station late' }, kind: 'indicator', indicatorId: 'notification-timeliness', op: 'below', bound: 50, appliesTo: ['station'] };
    department.vetoes.push(stationOnly);
    const station = department.units.find((u) => u.kind === 'station')!;
    const values: IndicatorValueInput[] = [
      { unitId: 'public-security', indicatorId: 'notification-timeliness', value: 10 },
      { unitId: station.id, indicatorId: 'notification-timeliness', value: 10 },
    ];
    const units = scoreAssessment(plan, { values }).units;
    expect(units.find((u) => u.unitId === station.id)!.vetoes.map((v) => v.vetoId)).toEqual(['stations-late']);
    expect(units.find((u) => u.unitId === 'public-security')!.vetoes).toEqual([]);
  });

  it('refuses a plan whose veto names an unknown or a graded indicator', () => {
    const plan = xichong2026();
    const line = lineOf(plan, 'party-government');
    line.vetoes.push({ id: 'x', name: { zh: 'x', en: 'x' }, kind: 'indicator', indicatorId: 'births-outside-policy', op: 'above', bound: 0, and: [{ indicatorId: 'nope', op: 'above', bound: 1 }] });
    line.vetoes.push({ id: 'y', name: { zh: 'y', en: 'y' }, kind: 'indicator', indicatorId: 'technical-services', op: 'below', bound: 1 });
    expect(checkPlan(plan)).toEqual([
      'lines/party-government: veto x names unknown indicator nope',
      'lines/party-government: veto y names qualitative indicator technical-services, which has no value',
    ]);
  });
});
