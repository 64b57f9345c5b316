/**
 * The demo's printed results as a bureau reads them, Chinese first (the county report's words),
 * English second: each line's best units, then every yellow card (黄牌警告) and one-vote veto
 * (一票否决) with its reason and the numbers behind it, and the prize money paid; and why agency
 * facts were not linked.
 */
import { explain, ledgerOutcomes, payout, yellowCardReasons, type AssessmentPlan, type AssessmentResult, type RegionDirectory, type UnitResult } from '@sanxian/domain';
import type { RunSummary } from '@sanxian/reconciliation';
import type { DemoCampaignSummary } from './demo-campaign';

/** Discrepancy kinds by the names the console gives them (apps/console/src/i18n/messages.ts, `kind.*`). */
export const KIND_NAMES: Record<string, string> = {
  'birth-not-in-registry': '出生未入册',
  'birth-not-notified': '出生未通报',
  'birth-order-conflict': '孩次不符',
  'marital-status-conflict': '婚姻状况不符',
  'moved-out-still-registered': '已迁出仍在册',
  'moved-in-not-registered': '已迁入未建卡',
  'death-not-reflected': '死亡未注销',
  'identity-conflict': '身份信息不符',
  'unlinked-record': '无法匹配的记录',
  'spot-check-finding': '平时抽查发现',
};

/** A unit's name, with its township code where it has one. */
function unitName(unit: UnitResult, plan: AssessmentPlan): string {
  const planUnit = plan.lines.flatMap((l) => l.units).find((u) => u.id === unit.unitId);
  return planUnit?.regionCode && planUnit.kind === 'township' ? `${unit.name.zh}（${planUnit.regionCode}）` : unit.name.zh;
}

/** Yuan as the county writes money: `180,000 元（18万元）` where it is whole 万. */
export function yuanText(yuan: number): string {
  const wan = yuan / 10_000;
  return `${yuan.toLocaleString('en-US')} 元${yuan > 0 && Number.isInteger(wan) ? `（${wan}万元）` : ''}`;
}

/**
 * The scoreboard: per line its top `perLine` units, then every unit with a yellow card or a veto,
 * with its reasons, and the prize money the line's awards pay; at the end the prize money in all.
 * `sections`: further blocks printed before the totals (a village ranking, where the plan has villages).
 */
export function describeDemoScoreboard(result: AssessmentResult, plan: AssessmentPlan, perLine = 5, sections: readonly string[] = []): string {
  const lines: string[] = [`${plan.county.name}${result.year}年度考核结果 (assessment ${result.planId} v${result.version})`];
  const ledger = ledgerOutcomes(result);
  let carded = 0;
  for (const line of plan.lines) {
    const units = result.units.filter((u) => u.line === line.line);
    const warned = units.filter((u) => u.outcome.kind === 'yellow-card');
    const vetoed = units.filter((u) => u.vetoes.length > 0);
    carded += warned.length;
    lines.push('', `== ${line.name.zh} ${line.name.en}：${units.length} 个单位，黄牌警告 ${warned.length} 个（其中一票否决 ${vetoed.length} 个）==`);
    // Each ranking group (townships; departments and their stations) ranked on its own.
    for (const group of line.rankings) {
      const ranked = units.filter((u) => u.group === group.id && u.outcome.kind !== 'yellow-card' && u.vetoes.length === 0);
      if (line.rankings.length > 1) lines.push(`  ${group.name.zh} ${group.name.en}`);
      for (const unit of ranked.slice(0, perLine)) {
        const reasons = explain(unit, 2).map((r) => `${r.name.zh} −${(r.lostPoints ?? 0).toFixed(1)}`).join('；');
        lines.push(`  ${String(unit.rank).padStart(2)}. ${unitName(unit, plan)} ${unit.score.toFixed(2)}  ${unit.outcome.name.zh}${reasons ? `（${reasons}）` : ''}`);
      }
      if (ranked.length > perLine) lines.push(`  … 另有 ${ranked.length - perLine} 个单位 (${ranked.length - perLine} more)`);
    }
    // Every yellow card, and every veto (which the plan may leave without a yellow card: then 不奖不惩).
    const flagged = units.filter((u) => u.outcome.kind === 'yellow-card' || u.vetoes.length > 0);
    if (flagged.length > 0) lines.push('  黄牌警告、一票否决 yellow cards and vetoes:');
    for (const unit of flagged) {
      const outcome = unit.outcome.kind === 'yellow-card' ? '' : `${unit.outcome.name.zh}；`;
      lines.push(`   ! ${unitName(unit, plan)} ${unit.score.toFixed(2)}：${outcome}${yellowCardReasons(unit)}`);
    }
    const paid = payout(ledger.filter((o) => o.line === line.line));
    lines.push(`  奖金 prize money：${paid.rows.length} 个单位，${yuanText(paid.total)}`);
  }
  for (const section of sections) lines.push('', section);
  const paid = payout(ledger);
  lines.push('', `黄牌警告共 ${carded} 个单位 (yellow cards in all: ${carded})`);
  lines.push(`奖金共 ${yuanText(paid.total)}，${paid.rows.length} 个单位 (prize money in all: ${paid.total} yuan to ${paid.rows.length} units)`);
  return lines.join('\n');
}

/** The reconciliation run in the bureau's words: linkage, why facts were not linked, discrepancies by kind and township. */
export function describeDemoRun(run: RunSummary, openByTownship: { townshipCode: string; open: number }[], regions: RegionDirectory): string {
  const u = run.unlinked;
  const outside = u.man + u.child + u['over-49'];
  const lines = [
    `比对日期 ${run.asOf}，用时 ${(run.milliseconds / 1000).toFixed(1)} 秒：在册家庭卡 ${run.cards} 张，部门信息 ${run.facts} 条 (facts)`,
    `  匹配 linkage：已匹配 ${run.links.link}，待人工确认 ${run.links.review}，未匹配 ${run.links.nonLink}`,
    `  未匹配的原因 why not linked：`,
    `    不属育龄妇女信息系统管理范围 outside the registry's scope  ${outside}`,
    `      男性 men ${u.man}，15岁以下儿童 children under 15 ${u.child}，49岁以上妇女 women over 49 ${u['over-49']}`,
    `    新迁入、尚未建卡的育龄妇女 women who moved in, no card yet  ${u['moved-in']}`,
    `    15–49岁妇女、找不到对应家庭卡 women of 15–49 matching no card  ${u['no-match']}`,
    `  差异 discrepancies：新发现 ${run.raised}，重新打开 ${run.reopened}，数据自动销号 ${run.closedByData}`,
  ];
  const kinds = Object.keys(KIND_NAMES).filter((k) => run.found[k] !== undefined);
  for (const kind of kinds) lines.push(`    ${KIND_NAMES[kind]}（${kind}）${String(run.found[kind]).padStart(6)}`);
  if (openByTownship.length > 0) {
    const named = openByTownship.map((r) => `${regions.nameOf(r.townshipCode) ?? r.townshipCode} ${r.open}`);
    lines.push(`  待处理差异最多的乡镇 busiest townships：${named.join('，')}`);
  }
  return lines.join('\n');
}

/** What a survey finding is, in the county's words: the kinds of `compareWithRegistry`. */
export const FINDING_NAMES: Record<keyof DemoCampaignSummary['findingsByKind'], string> = {
  'birth-not-in-registry': '出生未入册',
  'item-differs': '项目不符',
  'person-not-in-registry': '人员未入册',
  'person-not-there': '在册人员不在户',
};

const percent = (x: number | null) => (x === null ? '—' : `${x.toFixed(2)}%`);

/**
 * The spot-check campaign as the bureau reads it: the frame, each team's draw, the returns and their
 * signatures, the findings by kind, 出生统计求实率 per township with its 95% interval, and the lottery's verification.
 */
export function describeDemoCampaign(c: DemoCampaignSummary): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const lines = [
    `平时抽查 ${c.period}（campaign ${c.campaignId}），抽查日 ${c.day}，${c.townships.map((t) => t.name).join('、')}，用时 ${(c.milliseconds / 1000).toFixed(1)} 秒`,
    `  抽样框 frame：村 ${n(c.frame.villages)}，村民小组 ${n(c.frame.groups)}，户 ${n(c.frame.households)}，人 ${n(c.frame.persons)}（hash ${c.frameHash.slice(0, 12)}…）`,
    `  抽签 draws (team/day: villages, groups, households)：`,
    ...c.draws.map((d) => `    ${d.teamId}组 ${d.day}：村 ${d.villages}，组 ${d.groups}，户 ${n(d.households)}`),
    `  调查表 returns：${c.returns} 份，签名 ${c.signatures} 个（检查组每位成员签名 signed by every member of the team）`,
    `  发现 findings：${n(c.findings)} 条，已立案平时抽查发现 ${n(c.openFindingDiscrepancies)} 条 (open spot-check-finding discrepancies)`,
  ];
  const kinds = (Object.keys(FINDING_NAMES) as (keyof typeof FINDING_NAMES)[]).filter((k) => (c.findingsByKind[k] ?? 0) > 0);
  if (kinds.length > 0) lines.push(`    ${kinds.map((k) => `${FINDING_NAMES[k]}（${k}）${c.findingsByKind[k]}`).join('，')}`);
  lines.push('  出生统计求实率（95%置信区间） birth statistics accuracy (95% interval)：');
  for (const t of c.birthAccuracy) {
    const interval = t.value === null ? '调查未发现本期出生 no birth of the period found' : `${percent(t.value)}（${percent(t.lower)}–${percent(t.upper)}，${t.numerator}/${t.denominator}）`;
    lines.push(`    ${t.name}（${t.code}） ${interval}`);
  }
  const verified = c.verification.ok ? `全部一致 every draw matches (${c.verification.matching}/${c.verification.draws})` : `不一致 MISMATCH (${c.verification.matching}/${c.verification.draws} match)`;
  lines.push(`  抽签验证 lottery verify：${verified}`);
  return lines.join('\n');
}

/** The ledger's outcome kinds in the county's words. */
export const LEDGER_OUTCOME_NAMES: Record<'award' | 'no-award' | 'yellow-card' | 'veto', string> = {
  award: '受奖',
  'no-award': '不奖不惩',
  'yellow-card': '黄牌警告',
  veto: '一票否决',
};

/** The published year's ledger (奖惩台账) in one line: its rows, by outcome. */
export function describeDemoLedger(year: number, outcomes: readonly { outcome: keyof typeof LEDGER_OUTCOME_NAMES }[]): string {
  const byKind = (Object.keys(LEDGER_OUTCOME_NAMES) as (keyof typeof LEDGER_OUTCOME_NAMES)[])
    .map((kind) => [kind, outcomes.filter((o) => o.outcome === kind).length] as const)
    .filter(([, n]) => n > 0);
  return `奖惩台账 ledger ${year}：已公布 published，${outcomes.length} 个单位 units：${byKind.map(([kind, n]) => `${LEDGER_OUTCOME_NAMES[kind]}（${kind}）${n}`).join('，')}`;
}
