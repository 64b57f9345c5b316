import { scoreAssessment } from '@sanxian/domain';
import { closingYearInputs, lineOf, xichong2026 } from '@sanxian/domain/testing';
import { MESSAGES, type MessageKey } from '../../console/src/i18n/messages';
import { describeDemoScoreboard, KIND_NAMES } from './demo-summary';

describe('the demo\'s printed scoreboard', () => {
  const plan = xichong2026();
  // 古楼镇 vetoed (4 births outside the policy of 58); 大全镇: nothing scored but its grades (under 60).
  const { values, grades } = closingYearInputs(plan);
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

  it('says what the awards pay, per line and in all, the sum of the tiers\' prizes of the plan', () => {
    const result = scoreAssessment(plan, { values, grades });
    // Independently of the ledger: each awarded unit's tier looked up in its group of the plan (tier ids repeat across groups).
    const tiers = new Map(plan.lines.flatMap((l) => l.rankings.flatMap((g) => g.tiers.map((t) => [`${g.id}/${t.id}`, t.prize] as const))));
    const expected = result.units.reduce((sum, u) => sum + (u.outcome.kind === 'award' ? tiers.get(`${u.group}/${u.outcome.tierId}`)! : 0), 0);
    const awarded = result.units.filter((u) => u.outcome.kind === 'award').length;
    expect(expected).toBeGreaterThan(0);
    expect(text).toContain(`奖金共 ${expected.toLocaleString('en-US')} 元`);
    expect(text).toContain(`prize money in all: ${expected} yuan to ${awarded} units`);
    expect(text.split('\n').filter((l) => l.startsWith('  奖金 prize money：'))).toHaveLength(plan.lines.length);
  });

  it('lists a veto the plan gives no yellow card for, as 不奖不惩 with the veto\'s reason', () => {
    const lenient = xichong2026();
    for (const group of lineOf(lenient, 'party-government').rankings) group.yellowCard.onVeto = false;
    const shown = describeDemoScoreboard(scoreAssessment(lenient, closingYearInputs(lenient)), lenient, 3);
    expect(shown).toContain('黄牌警告 1 个（其中一票否决 1 个）');
    expect(shown).toMatch(/! 古楼镇（511325104） \d+\.\d\d：不奖不惩；一票否决：政策外生育超过2例且超过出生数的20‰/);
  });

  it('prints further sections (a village ranking) before the totals', () => {
    const withVillages = describeDemoScoreboard(scoreAssessment(plan, { values, grades }), plan, 3, ['== 村(居)排名 village ranking ==']);
    expect(withVillages.indexOf('村(居)排名')).toBeLessThan(withVillages.indexOf('黄牌警告共'));
  });
});

it('names discrepancy kinds as the console does', () => {
  for (const [kind, name] of Object.entries(KIND_NAMES)) expect([kind, name]).toEqual([kind, MESSAGES['zh-CN'][`kind.${kind}` as MessageKey]]);
});
