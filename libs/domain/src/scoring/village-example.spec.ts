import type { IndicatorValueInput, ScoringInputs } from './assessment-result';
import { scoreAssessment } from './score-assessment';
import { xichong2026 } from './scoring-test.factory';

const MINGLONG = '511325110'; // 鸣龙镇, control number 56, handed down to its 7 villages
const [MAOERSHAN, JIANSHANZI, SIGONGSHAN, V204, V210, V211, V213] = ['511325110001', '511325110002', '511325110203', '511325110204', '511325110210', '511325110211', '511325110213'];

/**
 * The villages (村(居)两委) of 鸣龙镇 on the shipped plan's party-government line, scored by hand.
 * A village is scored on the computed indicators only (those assessors enter or grade apply to the
 * township), all of the quality dimension: with no level indicator, quality takes the whole weight;
 * with no regular check, the plan ("year-end-only") scores the year end alone. So the total is the
 * quality points out of 100 (births 30, growth 15, compliance 30, sex ratio 15, outside policy 10),
 * plus bonus. Rules: births linear on births / control from 1.0 (full) to 1.1 (none); growth linear
 * 0‰ → 5‰; compliance linear 95% → 85%; sex ratio ≤ 107 full, ≤ 110 0.6, ≤ 115 0.3, else 0; outside
 * the policy pass only at 0. Tiers of 鸣龙镇各村: first ≥ 90 (1 place, 1,000 yuan), second ≥ 85
 * (2 places, 600 yuan); under 60 a yellow card; compliance under 90% vetoes.
 *
 * 猫儿山 110001 (control 9): births 9 (1.0) 30; growth 2‰ (0.6) 9; compliance 100% 30;
 *   sex ratio 125 → 0; outside 0 → 10                                        = 79.00  no award
 * 尖山子 110002 (control 8): births 7 (0.875) 30; growth −1‰ 15; 100% 30; 75 → 15; 0 → 10
 *   = 100.00, + commended 1.5                                                = 101.50 first prize
 * 丝公山 110203 (control 7): births 8 (1.1429 > 1.1) 0; growth 0 15; compliance 87.5%
 *   ((87.5 − 85) / 10 = 0.25) 7.5; 100 → 15; 1 outside → 0                  = 37.50  vetoed (87.5% < 90%)
 * 110204 (control 8): births 8 (1.0) 30; growth 1‰ (0.8) 12; 95% 30; 109 (≤ 110) 9; 0 → 10
 *                                                                            = 91.00  first is full: second prize
 * 110210 (control 6): births 6 30; growth 0.5‰ (0.9) 13.5; 91% (0.6) 18; 107 15; 0 → 10
 *                                                                            = 86.50  second prize
 * 110211, 110213: no facts, 0 each: a yellow card (under 60); equal, so by the plan's tie-break
 *   (quality, births, then unit id) 110211 first.
 * Ranks: 尖山子 1, 110204 2, 110210 3, 猫儿山 4, 110211 5, 110213 6, 丝公山 7 (a veto ranks last).
 */
function villageInputs(): ScoringInputs {
  const values: IndicatorValueInput[] = [];
  const village = (unitId: string, births: number, growth: number, compliant: [number, number], sexRatio: number, outside: number) => {
    const v = (indicatorId: string, value: number, more: Partial<IndicatorValueInput> = {}) => values.push({ unitId, indicatorId, value, evidenceIds: [`${unitId}/${indicatorId}`], ...more });
    v('births-vs-control', births);
    v('natural-growth-rate', growth);
    v('policy-compliant-rate', Math.round((10000 * compliant[0]) / compliant[1]) / 100, { numerator: compliant[0], denominator: compliant[1] });
    v('sex-ratio-at-birth', sexRatio);
    v('births-outside-policy', outside, { numerator: outside, denominator: births });
  };
  village(MAOERSHAN, 9, 2, [9, 9], 125, 0);
  village(JIANSHANZI, 7, -1, [7, 7], 75, 0);
  village(SIGONGSHAN, 8, 0, [7, 8], 100, 1);
  village(V204, 8, 1, [19, 20], 109, 0);
  village(V210, 6, 0.5, [91, 100], 107, 0);
  return { values, items: [{ unitId: JIANSHANZI, itemId: 'commended', evidenceIds: ['city-commendation-2026-044'] }] };
}

describe('the villages of 鸣龙镇, scored by hand on the 2026 plan', () => {
  const result = scoreAssessment(xichong2026(), villageInputs());
  const villages = result.units.filter((u) => u.group === `villages-${MINGLONG}`);
  const unit = (id: string) => villages.find((u) => u.unitId === id)!;

  it('ranks the township\'s seven villages among themselves, apart from the townships', () => {
    expect(villages.map((u) => u.unitId)).toEqual([JIANSHANZI, V204, V210, MAOERSHAN, V211, V213, SIGONGSHAN]);
    expect(villages.map((u) => u.rank)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(villages.every((u) => u.kind === 'village' && u.line === 'party-government')).toBe(true);
    expect(result.units.filter((u) => u.group === 'townships')).toHaveLength(23);
  });

  it.each([
    [MAOERSHAN, 79, 0],
    [JIANSHANZI, 101.5, 1.5],
    [SIGONGSHAN, 37.5, 0],
    [V204, 91, 0],
    [V210, 86.5, 0],
    [V211, 0, 0],
  ])('%s scores %d, to the point', (id, score, bonus) => {
    expect(unit(id)).toMatchObject({ score, bonus, penalty: 0, quality: score - bonus, level: null, regular: null });
  });

  it('gives the tiers of the plan: one first prize, the next two the second, a yellow card under 60 or on a veto', () => {
    expect(unit(JIANSHANZI).outcome).toEqual({ kind: 'award', tierId: 'first', name: { zh: '一等奖', en: 'first prize' }, prize: 1000 });
    expect(unit(V204).outcome).toEqual({ kind: 'award', tierId: 'second', name: { zh: '二等奖', en: 'second prize' }, prize: 600 });
    expect(unit(V210).outcome).toMatchObject({ kind: 'award', tierId: 'second', prize: 600 });
    expect(unit(MAOERSHAN).outcome.kind).toBe('no-award');
    expect(unit(V211).outcome).toMatchObject({ kind: 'yellow-card' });
    expect(unit(SIGONGSHAN).vetoes.map((v) => [v.vetoId, v.value])).toEqual([['policy-compliance', 87.5]]);
    expect(unit(SIGONGSHAN).outcome).toMatchObject({ kind: 'yellow-card', reasons: [{ zh: '一票否决：符合政策生育率低于90%', en: 'veto: policy-compliant birth rate below 90%' }] });
  });

  it('measures each village against its own control number', () => {
    const births = (id: string) => unit(id).breakdown.children[0].children[0].children.find((n) => n.key === 'year-end/quality/births-vs-control')!;
    expect(births(MAOERSHAN)).toMatchObject({ score: 30, facts: { value: 9, target: 9 } });
    expect(births(SIGONGSHAN)).toMatchObject({ score: 0, facts: { value: 8, target: 7 } });
    expect(births(V210)).toMatchObject({ score: 30, facts: { value: 6, target: 6 } });
  });
});
