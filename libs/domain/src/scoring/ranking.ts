import type { RankingGroup, TieBreakCriterion } from './assessment-plan';
import type { UnitOutcome, UnitResult } from './assessment-result';
import { compareText } from './fact-index';

/** A unit scored but not yet ranked. */
export type ScoredUnit = Omit<UnitResult, 'group' | 'rank' | 'outcome'>;

/**
 * Ranks a group's units and gives each its outcome. A vetoed unit ranks after every other whatever
 * its score. Ties are broken by the plan's criteria in order, then by unit id, so the order never
 * depends on the order units arrived in. Tiers are filled best rank first: a unit whose tier is
 * full falls to the next tier with room that its score still reaches.
 */
export function rankGroup(group: RankingGroup, units: readonly ScoredUnit[]): UnitResult[] {
  const ordered = [...units].sort((a, b) => compareUnits(group.tieBreak, a, b));
  const filled = new Map<string, number>();
  return ordered.map((unit, i) => ({ ...unit, group: group.id, rank: i + 1, outcome: outcomeOf(group, unit, filled) }));
}

function compareUnits(tieBreak: readonly TieBreakCriterion[], a: ScoredUnit, b: ScoredUnit): number {
  const vetoed = Number(a.vetoes.length > 0) - Number(b.vetoes.length > 0);
  if (vetoed !== 0) return vetoed;
  if (a.score !== b.score) return b.score - a.score;
  for (const criterion of tieBreak) {
    const order = compareBy(criterion, a, b);
    if (order !== 0) return order;
  }
  return compareText(a.unitId, b.unitId);
}

/** Negative when `a` goes first. Higher scores go first; fewer penalty points go first. */
export function compareBy(criterion: TieBreakCriterion, a: ScoredUnit, b: ScoredUnit): number {
  switch (criterion.by) {
    case 'quality':
      return descending(a.quality, b.quality);
    case 'level':
      return descending(a.level, b.level);
    case 'year-end':
      return descending(a.yearEnd, b.yearEnd);
    case 'regular':
      return descending(a.regular, b.regular);
    case 'penalty':
      return a.penalty - b.penalty;
    case 'indicator':
      return descending(indicatorScore(a, criterion.indicatorId), indicatorScore(b, criterion.indicatorId));
    case 'unit-id':
      return compareText(a.unitId, b.unitId);
  }
}

/** A missing number goes last. */
function descending(a: number | null | undefined, b: number | null | undefined): number {
  return (b ?? -Infinity) - (a ?? -Infinity) || 0;
}

/** The indicator's score at year end, or in the regular checks when it is assessed only there. */
export function indicatorScore(unit: ScoredUnit, indicatorId: string): number | undefined {
  for (const period of unit.breakdown.children) {
    for (const dimension of period.children) {
      const node = dimension.children.find((n) => n.key === `${dimension.key}/${indicatorId}`);
      if (node !== undefined) return node.score;
    }
  }
  return undefined;
}

function outcomeOf(group: RankingGroup, unit: ScoredUnit, filled: Map<string, number>): UnitOutcome {
  const yellowCard = group.yellowCard;
  if (unit.vetoes.length > 0) {
    if (!yellowCard.onVeto) return { kind: 'no-award', name: group.noAward.name };
    const reasons = unit.vetoes.map((v) => ({ zh: `一票否决：${v.name.zh}`, en: `veto: ${v.name.en}` }));
    return { kind: 'yellow-card', name: yellowCard.name, reasons };
  }
  const tier = group.tiers.find((t) => unit.score >= t.minScore && (filled.get(t.id) ?? 0) < t.quota);
  if (tier !== undefined) {
    filled.set(tier.id, (filled.get(tier.id) ?? 0) + 1);
    return { kind: 'award', tierId: tier.id, name: tier.name, prize: tier.prize };
  }
  if (unit.score < yellowCard.below) {
    const reasons = [{ zh: `得分 ${unit.score} 低于 ${yellowCard.below}`, en: `score ${unit.score} below ${yellowCard.below}` }];
    return { kind: 'yellow-card', name: yellowCard.name, reasons };
  }
  return { kind: 'no-award', name: group.noAward.name };
}
