import { scoreAssessment } from '@sanxian/domain';
import { closingYearInputs, lineOf, xichong2026 } from '@sanxian/domain/testing';
import { MESSAGES, type MessageKey } from '../../console/src/i18n/messages';
import type { DemoCampaignSummary } from './demo-campaign';
import { describeDemoCampaign, describeDemoScoreboard, describeDemoLedger, FINDING_NAMES, KIND_NAMES } from './demo-summary';

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

describe("the demo's spot-check campaign block", () => {
  const campaign: DemoCampaignSummary = {
    campaignId: 'd25f703b-f588-4a7e-9f97-1c09be822d76', year: 2026, period: '2026-Q4', day: '2026-12-07',
    townships: [{ code: '511325002', name: '晋城街道' }, { code: '511325105', name: '义兴镇' }, { code: '511325107', name: '凤鸣镇' }],
    frame: { villages: 59, groups: 118, households: 7654, persons: 23360 }, frameHash: '61a115db5533'.padEnd(64, '0'),
    draws: [
      { teamId: 'A', day: '2026-12-07', townships: ['511325002'], villages: 2, groups: 4, households: 211 },
      { teamId: 'B', day: '2026-12-07', townships: ['511325105', '511325107'], villages: 4, groups: 8, households: 1290 },
    ],
    returns: 6, signatures: 12, findings: 20, openFindingDiscrepancies: 20,
    findingsByKind: { 'item-differs': 7, 'person-not-there': 13 },
    birthAccuracy: [
      { code: '511325002', name: '晋城街道', value: null, lower: null, upper: null, numerator: 0, denominator: 0 },
      { code: '511325105', name: '义兴镇', value: 85.7143, lower: 48.6939, upper: 97.4306, numerator: 6, denominator: 7 },
      { code: '511325107', name: '凤鸣镇', value: 100, lower: 64.5661, upper: 100, numerator: 7, denominator: 7 },
    ],
    itemAgreement: [{ code: '511325002', value: 98 }, { code: '511325105', value: 97 }, { code: '511325107', value: null }],
    verification: { ok: true, draws: 2, matching: 2 },
    milliseconds: 5900,
  };
  const text = describeDemoCampaign(campaign);

  it('prints each team\'s draw of the day: villages, groups and households drawn', () => {
    expect(text).toContain('    A组 2026-12-07：村 2，组 4，户 211');
    expect(text).toContain('    B组 2026-12-07：村 4，组 8，户 1,290');
    expect(text).toContain('抽样框 frame：村 59，村民小组 118，户 7,654，人 23,360（hash 61a115db5533…）');
  });

  it('counts returns, signatures and findings by kind, Chinese first; a kind not found is left out', () => {
    expect(text).toContain('调查表 returns：6 份，签名 12 个');
    expect(text).toContain('发现 findings：20 条，已立案平时抽查发现 20 条');
    expect(text).toContain('项目不符（item-differs）7，在册人员不在户（person-not-there）13');
    expect(text).not.toContain('出生未入册（birth-not-in-registry）');
  });

  it('gives 出生统计求实率 per township with its 95% interval and counts, and says where no birth was found', () => {
    expect(text).toContain('义兴镇（511325105） 85.71%（48.69%–97.43%，6/7）');
    expect(text).toContain('凤鸣镇（511325107） 100.00%（64.57%–100.00%，7/7）');
    expect(text).toContain('晋城街道（511325002） 调查未发现本期出生');
  });

  it('says whether every draw matched on verification, and names a mismatch', () => {
    expect(text).toContain('抽签验证 lottery verify：全部一致 every draw matches (2/2)');
    const broken = describeDemoCampaign({ ...campaign, verification: { ok: false, draws: 2, matching: 1 } });
    expect(broken).toContain('不一致 MISMATCH (1/2 match)');
  });

  it('stays a short block', () => {
    expect(text.split('\n').length).toBeLessThanOrEqual(14);
  });

  it('names every kind of finding the comparison makes', () => {
    expect(Object.keys(FINDING_NAMES).sort()).toEqual(['birth-not-in-registry', 'item-differs', 'person-not-in-registry', 'person-not-there']);
  });
});

it("counts the published ledger's rows by outcome, leaving out a kind with none", () => {
  const outcomes = [...Array(30).fill({ outcome: 'award' }), ...Array(40).fill({ outcome: 'no-award' }), { outcome: 'yellow-card' }, { outcome: 'veto' }, { outcome: 'veto' }];
  expect(describeDemoLedger(2026, outcomes)).toBe('奖惩台账 ledger 2026：已公布 published，73 个单位 units：受奖（award）30，不奖不惩（no-award）40，黄牌警告（yellow-card）1，一票否决（veto）2');
  expect(describeDemoLedger(2026, [{ outcome: 'award' }])).not.toContain('veto');
});
