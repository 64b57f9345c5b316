import type { LinePlan, LocalizedName, RankingGroup, TieBreakCriterion } from './assessment-plan';
import type { UnitResult } from './assessment-result';
import { compareBy, indicatorScore } from './ranking';

/**
 * Where a tier's quota split units of equal score: which of them got the tier, which did not, and
 * the plan's tie-break rule that decided it, in words. Staff see six units on 100 and five awards:
 * this says why the sixth is not the one.
 */
export interface TieBreakApplied {
  groupId: string;
  tierId: string;
  tierName: LocalizedName;
  quota: number;
  score: number;
  /** The units on that score, not vetoed, best rank first. */
  tiedUnitIds: string[];
  /** Those of them the tier went to. */
  awardedUnitIds: string[];
  /** The plan's whole rule, criterion by criterion. */
  rule: LocalizedName;
  /** The criterion that separated the last unit awarded from the first one left out. */
  decidedBy: TieBreakCriterion;
  /** One sentence for the scoreboard and the workbook. */
  text: LocalizedName;
}

const CRITERION: Record<Exclude<TieBreakCriterion['by'], 'indicator'>, LocalizedName> = {
  quality: { zh: '工作质量得分高者在前', en: 'higher quality score first' },
  level: { zh: '工作水平得分高者在前', en: 'higher level score first' },
  'year-end': { zh: '年终考核得分高者在前', en: 'higher year-end score first' },
  regular: { zh: '平时考核得分高者在前', en: 'higher regular-check score first' },
  penalty: { zh: '减分少者在前', en: 'fewer penalty points first' },
  'unit-id': { zh: '单位代码小者在前', en: 'lower unit id first' },
};

/** A criterion in words; an indicator criterion by the indicator's name in the plan. */
export function tieBreakCriterionName(criterion: TieBreakCriterion, line: Pick<LinePlan, 'indicators'>): LocalizedName {
  if (criterion.by !== 'indicator') return CRITERION[criterion.by];
  const name = line.indicators.find((i) => i.id === criterion.indicatorId)?.name ?? { zh: criterion.indicatorId, en: criterion.indicatorId };
  return { zh: `“${name.zh}”得分高者在前`, en: `higher score on "${name.en}" first` };
}

/** The plan's tie-break rule in words: its criteria in order, then unit id (the engine's last resort). */
export function tieBreakRule(group: Pick<RankingGroup, 'tieBreak'>, line: Pick<LinePlan, 'indicators'>): LocalizedName {
  const criteria = group.tieBreak.some((c) => c.by === 'unit-id') ? group.tieBreak : [...group.tieBreak, { by: 'unit-id' } as const];
  const names = criteria.map((c) => tieBreakCriterionName(c, line));
  return { zh: names.map((n) => n.zh).join('，其次'), en: names.map((n) => n.en).join(', then ') };
}

/** Each tier of a group whose quota split a score between units that got it and units that did not. */
export function tieBreaksApplied(line: Pick<LinePlan, 'indicators'>, group: RankingGroup, units: readonly UnitResult[]): TieBreakApplied[] {
  const members = units.filter((u) => u.group === group.id && u.vetoes.length === 0).sort((a, b) => a.rank - b.rank);
  const found: TieBreakApplied[] = [];
  for (const tier of group.tiers) {
    const awarded = members.filter((u) => u.outcome.kind === 'award' && u.outcome.tierId === tier.id);
    if (awarded.length < tier.quota || awarded.length === 0) continue;
    const lastAwarded = awarded[awarded.length - 1];
    const tied = members.filter((u) => u.score === lastAwarded.score);
    const leftOut = tied.find((u) => u.rank > lastAwarded.rank && !(u.outcome.kind === 'award' && u.outcome.tierId === tier.id));
    if (leftOut === undefined || leftOut.score < tier.minScore) continue;
    const decidedBy = group.tieBreak.find((c) => compareBy(c, lastAwarded, leftOut) !== 0) ?? ({ by: 'unit-id' } as const);
    const criterion = tieBreakCriterionName(decidedBy, line);
    const rule = tieBreakRule(group, line);
    const awardedTied = tied.filter((u) => u.outcome.kind === 'award' && u.outcome.tierId === tier.id).map((u) => u.unitId);
    const [a, b] = [criterionValue(decidedBy, lastAwarded), criterionValue(decidedBy, leftOut)];
    found.push({
      groupId: group.id, tierId: tier.id, tierName: tier.name, quota: tier.quota, score: lastAwarded.score,
      tiedUnitIds: tied.map((u) => u.unitId), awardedUnitIds: awardedTied, rule, decidedBy,
      text: {
        zh: `“${tier.name.zh}”${tier.quota} 个名额已满：同为 ${lastAwarded.score} 分的 ${tied.length} 个单位中 ${awardedTied.length} 个得到。按考核方案的并列规则（${rule.zh}）排定，`
          + `第 ${lastAwarded.rank} 名${lastAwarded.name.zh}与第 ${leftOut.rank} 名${leftOut.name.zh}以“${criterion.zh}”区分（${a} 对 ${b}）。`,
        en: `"${tier.name.en}" has ${tier.quota} places, all taken: of the ${tied.length} units on ${lastAwarded.score}, ${awardedTied.length} got one. Ordered by the plan's tie-break rule (${rule.en}), `
          + `no. ${lastAwarded.rank} ${lastAwarded.name.en} and no. ${leftOut.rank} ${leftOut.name.en} were separated by "${criterion.en}" (${a} against ${b}).`,
      },
    });
  }
  return found;
}

function criterionValue(criterion: TieBreakCriterion, unit: UnitResult): string {
  switch (criterion.by) {
    case 'quality': return String(unit.quality ?? '—');
    case 'level': return String(unit.level ?? '—');
    case 'year-end': return String(unit.yearEnd);
    case 'regular': return String(unit.regular ?? '—');
    case 'penalty': return String(unit.penalty);
    case 'indicator': return String(indicatorScore(unit, criterion.indicatorId) ?? '—');
    case 'unit-id': return unit.unitId;
  }
}
