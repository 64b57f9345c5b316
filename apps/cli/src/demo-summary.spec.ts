import { scoreAssessment, type IndicatorValueInput } from '@sanxian/domain';
import { xichong2026 } from '@sanxian/domain/testing';
import { MESSAGES, type MessageKey } from '../../console/src/i18n/messages';
import { describeDemoScoreboard, KIND_NAMES } from './demo-summary';

/** Every party-government indicator at full marks for a township, so only what a test changes stands out. */
function fullMarks(unitId: string): IndicatorValueInput[] {
  return [
    { unitId, indicatorId: 'births-vs-control', value: 10 },
    { unitId, indicatorId: 'natural-growth-rate', value: -3 },
    { unitId, indicatorId: 'policy-compliant-rate', value: 100, numerator: 50, denominator: 50 },
    { unitId, indicatorId: 'sex-ratio-at-birth', value: 105 },
    { unitId, indicatorId: 'births-outside-policy', value: 0, numerator: 0, denominator: 50 },
    { unitId, indicatorId: 'birth-statistics-accuracy', value: 100 },
  ];
}

describe('the demo\'s printed scoreboard', () => {
  const plan = xichong2026();
  const townships = plan.lines[0].units.filter((u) => u.kind === 'township').map((u) => u.id);
  // The villages 太平镇 and 鸣龙镇 hand their targets down to: full marks on what they are scored on.
  const villages = plan.lines[0].units.filter((u) => u.kind === 'village').map((u) => u.id);
  const grades = townships.flatMap((unitId) => ['publicity-education', 'technical-services', 'law-enforcement'].map((indicatorId) => ({ unitId, indicatorId, grade: 'A' as const })));
  const values = townships.flatMap((id) => {
    // 古楼镇: 4 births outside the policy of 58 (a veto); 大全镇: nothing scored but its grades (under 60).
    if (id === '511325104') return fullMarks(id).map((v) => (v.indicatorId === 'births-outside-policy' ? { ...v, value: 4, numerator: 4, denominator: 58 } : v));
    if (id === '511325102') return [];
    return fullMarks(id);
  }).concat(villages.flatMap((id) => fullMarks(id).filter((v) => v.indicatorId !== 'birth-statistics-accuracy')));
  const text = describeDemoScoreboard(scoreAssessment(plan, { values, grades }), plan, 3);

  it('names every yellow card with its reason: the veto and the numbers, or the score under the bound', () => {
    expect(text).toContain('== 党政线 party-government line：38 个单位，黄牌警告 2 个（其中一票否决 1 个）==');
    expect(text).toContain('! 古楼镇（511325104）');
    expect(text).toContain('一票否决：政策外生育超过2例且超过出生数的20‰，实际 4例，4/58 = 68.97‰');
    expect(text).toMatch(/! 大全镇（511325102） \d+\.\d\d：总分 \d+\.\d\d 低于黄牌线（失分最多：/);
  });

  it('shows each line\'s best units and how many more, without the warned ones', () => {
    const partyLine = text.split('\n\n')[1];
    // Three groups: the townships, and the villages of 太平镇 (8) and of 鸣龙镇 (7), each ranked on its own.
    expect(partyLine.split('\n').filter((l) => /^\s+\d+\. /.test(l))).toHaveLength(9);
    expect(partyLine).toContain('… 另有 18 个单位 (18 more)');
    expect(partyLine).toContain('  鸣龙镇各村（社区） villages of Minglong Town\n');
    expect(partyLine).toContain('… 另有 4 个单位 (4 more)');
    expect(text).toContain('黄牌警告共 ');
  });
});

it('names discrepancy kinds as the console does', () => {
  for (const [kind, name] of Object.entries(KIND_NAMES)) expect([kind, name]).toEqual([kind, MESSAGES['zh-CN'][`kind.${kind}` as MessageKey]]);
});
